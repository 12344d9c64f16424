/*
 * Hourly and daily rollups live in one table, one partition per target, so a run's marker, its
 * hour and its day can change in ONE entity-group transaction:
 *
 *   create  M{yyyyMMddHHmmss}_{runHash}   (fails with 409 if this run was counted before)
 *   update  H{yyyyMMddHH}  if-match ETag  (fails with 412 if another writer got there first)
 *   update  D{yyyyMMdd}    if-match ETag
 *
 * Either all three happen or none, so a retried run is never counted twice (the marker exists)
 * and never half counted (no marker without the counts), and two instances updating the same
 * hour simply retry on the ETag. Markers are needed only as long as a run can be retried; the
 * cleanup removes them after MARKER_RETENTION_DAYS, and results older than that are not counted.
 */
import type { TableClient, TableEntity, TransactionAction } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import { asDate } from '../../storage/entity-values';
import { retryOnWriteConflict } from '../../storage/optimistic-update';
import { getOrUndefined, storageError } from '../../storage/table-errors';
import { addDays, dayKey, hourKey, keySafe, runHash, secondKey } from '../../storage/table-keys';
import type { TableSource } from '../../storage/table-source';
import { addResult, emptyRollup, type Rollup, rollupColumns, rollupFromEntity } from '../core/rollup';
import type { ProbeResult } from '../core/types';
import { PROBE_TABLES } from './probe-tables';

export const MARKER_RETENTION_DAYS = 7;
export type RollupKind = 'hour' | 'day';
export type RollupOutcome = 'counted' | 'duplicate' | 'too-old';

export const ROW_PREFIX = { hour: 'H', day: 'D', marker: 'M' } as const;

export function rollupRowKey(kind: RollupKind, at: Date): string {
  return kind === 'hour' ? `${ROW_PREFIX.hour}${hourKey(at)}` : `${ROW_PREFIX.day}${dayKey(at)}`;
}

export function markerRowKey(runId: string, scheduledAt: Date): string {
  return `${ROW_PREFIX.marker}${secondKey(scheduledAt)}_${runHash(runId)}`;
}

/** Counts a run into its hour and day exactly once; results are bucketed by their scheduled time (UTC). */
export async function addToRollups(
  container: TableSource,
  result: ProbeResult,
  now: Date,
): Promise<RollupOutcome> {
  const scheduledAt = new Date(result.scheduledAt);
  if (scheduledAt.getTime() < addDays(now, -MARKER_RETENTION_DAYS).getTime()) return 'too-old';
  const table = await container.table(PROBE_TABLES.rollups);
  const partitionKey = keySafe(result.targetId);
  const hourKeyRow = rollupRowKey('hour', scheduledAt);
  const dayKeyRow = rollupRowKey('day', scheduledAt);
  const marker = markerRowKey(result.runId, scheduledAt);

  return retryOnWriteConflict<RollupOutcome>(
    async () => {
      const [hour, day] = await Promise.all([
        getOrUndefined(() => table.getEntity(partitionKey, hourKeyRow), 'reading an hourly rollup'),
        getOrUndefined(() => table.getEntity(partitionKey, dayKeyRow), 'reading a daily rollup'),
      ]);
      // The marker's create refuses a run counted before (409); the ETags refuse a stale hour or day (412).
      await table.submitTransaction([
        [
          'create',
          {
            partitionKey,
            rowKey: marker,
            kind: 'run',
            targetId: result.targetId,
            runId: result.runId,
            scheduledAt,
            status: result.status,
          },
        ],
        rollupAction(partitionKey, hourKeyRow, 'hour', result, hour),
        rollupAction(partitionKey, dayKeyRow, 'day', result, day),
      ]);
      return 'counted';
    },
    {
      what: 'updating probe rollups',
      // A conflict on the marker means this run is counted already: nothing to retry.
      afterConflict: async () =>
        (await markerExists(table, partitionKey, marker)) ? 'duplicate' : undefined,
    },
  );
}

function rollupAction(
  partitionKey: string,
  rowKey: string,
  kind: RollupKind,
  result: ProbeResult,
  existing: (Record<string, unknown> & { etag?: string }) | undefined,
): TransactionAction {
  const rollup = addResult(existing === undefined ? emptyRollup() : rollupFromEntity(existing), result);
  const entity = rollupEntity(
    partitionKey,
    rowKey,
    kind,
    result.targetId,
    periodStart(kind, new Date(result.scheduledAt)),
    rollup,
  );
  return existing === undefined
    ? ['create', entity]
    : ['update', entity, 'Replace', { etag: existing.etag ?? '*' }];
}

export function rollupEntity(
  partitionKey: string,
  rowKey: string,
  kind: RollupKind,
  targetId: string,
  start: Date,
  rollup: Rollup,
): TableEntity {
  return { partitionKey, rowKey, kind, targetId, periodStart: start, ...rollupColumns(rollup) };
}

export function periodStart(kind: RollupKind, at: Date): Date {
  return kind === 'hour'
    ? new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate(), at.getUTCHours()))
    : new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

async function markerExists(table: TableClient, partitionKey: string, rowKey: string): Promise<boolean> {
  const found = await getOrUndefined(
    () => table.getEntity(partitionKey, rowKey, { queryOptions: { select: ['RowKey'] } }),
    'reading a rollup run marker',
  );
  return found !== undefined;
}

export interface StoredRollup {
  readonly targetId: string;
  readonly kind: RollupKind;
  readonly periodStart: Date;
  readonly rollup: Rollup;
}

/** Rollups of one target and kind whose period starts in [from, to): one partition-scoped range query. */
export async function readRollups(
  container: TableSource,
  targetId: string,
  kind: RollupKind,
  from: Date,
  to: Date,
): Promise<StoredRollup[]> {
  const table = await container.table(PROBE_TABLES.rollups);
  const filter = odata`PartitionKey eq ${keySafe(targetId)} and RowKey ge ${rollupRowKey(kind, from)} and RowKey lt ${rollupRowKey(kind, to)}`;
  const rows: StoredRollup[] = [];
  try {
    for await (const entity of table.listEntities({ queryOptions: { filter } })) {
      rows.push({
        targetId,
        kind,
        periodStart: asDate(entity.periodStart) ?? new Date(0),
        rollup: rollupFromEntity(entity),
      });
    }
  } catch (error) {
    throw storageError('reading probe rollups', error);
  }
  return rows;
}
