/*
 * What the burn-rate evaluation reads and keeps per target:
 * - recent runs: the final attempt of each run of the last minutes, from the raw table (the short
 *   windows, 5 and 30 minutes, are finer than an hourly rollup);
 * - alert state: one row per burn rule, `~slo|{rule}` in the target's partition of the rollups
 *   table (no rollup reader's key range includes `~`), holding the firing episode's start. The row
 *   and the notice's outbox row change in one transaction, if-match on the row's ETag, so two
 *   instances evaluating the same minute tell an episode once.
 */
import type { TableEntity, TransactionAction } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import type { PartitionStaging } from '../../storage/outbox-staging';
import { storageError, storageStatus } from '../../storage/table-errors';
import { addDays, invertedTicks, keySafe } from '../../storage/table-keys';
import type { TableSource } from '../../storage/table-source';
import type { BurnAlertState, BurnRule } from '../core/slo';
import { PROBE_TABLES, rawTableLogicalName } from './probe-tables';
import { rawPartitionKey } from './raw-results';

export interface RecentRun {
  readonly scheduledAt: Date;
  readonly status: string;
  readonly inMaintenance: boolean;
  readonly connectionState: string | null;
  readonly totalMs: number | null;
}

/** Final attempts of the runs scheduled in (from, to]: the raw partitions of the days (and months) the range touches. */
export async function readRecentRuns(
  container: TableSource,
  targetId: string,
  from: Date,
  to: Date,
): Promise<RecentRun[]> {
  const days = [to];
  if (rawPartitionKey(targetId, from) !== rawPartitionKey(targetId, to)) days.push(addDays(to, -1));
  const runs: RecentRun[] = [];
  for (const day of days) {
    const table = await container.table(rawTableLogicalName(day));
    // Row keys start with inverted ticks: newer runs sort first, so "after from" is "below from's key".
    const filter = odata`PartitionKey eq ${rawPartitionKey(targetId, day)} and RowKey lt ${invertedTicks(from)} and isFinal eq true`;
    try {
      for await (const row of table.listEntities({ queryOptions: { filter } })) {
        const scheduledAt =
          row.scheduledAt instanceof Date ? row.scheduledAt : new Date(String(row.scheduledAt));
        if (!(scheduledAt.getTime() > from.getTime() && scheduledAt.getTime() <= to.getTime())) continue;
        runs.push({
          scheduledAt,
          status: String(row.status ?? ''),
          inMaintenance: row.inMaintenance === true,
          connectionState: typeof row.connectionState === 'string' ? row.connectionState : null,
          totalMs: typeof row.totalMs === 'number' ? row.totalMs : null,
        });
      }
    } catch (error) {
      // A month's raw table that does not exist yet holds no runs.
      if (storageStatus(error) === 404) continue;
      throw storageError('reading recent probe runs', error);
    }
  }
  return runs;
}

export const ALERT_ROW_PREFIX = '~slo|';

export interface StoredBurnState extends BurnAlertState {
  readonly etag: string | undefined;
}

export async function readBurnStates(
  container: TableSource,
  targetId: string,
): Promise<Map<string, StoredBurnState>> {
  const table = await container.table(PROBE_TABLES.rollups);
  const filter = odata`PartitionKey eq ${keySafe(targetId)} and RowKey ge ${ALERT_ROW_PREFIX} and RowKey lt ${'~slo}'}`;
  const states = new Map<string, StoredBurnState>();
  try {
    for await (const row of table.listEntities({ queryOptions: { filter } })) {
      const rule = String(row.rowKey).slice(ALERT_ROW_PREFIX.length);
      const since = typeof row.firingSince === 'string' && row.firingSince !== '' ? row.firingSince : null;
      states.set(rule, { firingSince: since, etag: row.etag });
    }
  } catch (error) {
    throw storageError('reading SLO alert states', error);
  }
  return states;
}

/**
 * Stores a rule's new state with the notice's outbox rows; if-match on the state read before, so
 * a concurrent evaluation that changed it first wins and this one is refused (412, thrown).
 */
export async function writeBurnState(
  container: TableSource,
  targetId: string,
  rule: BurnRule['name'],
  state: BurnAlertState,
  previousEtag: string | undefined,
  notice: PartitionStaging | null,
): Promise<void> {
  const table = await container.table(PROBE_TABLES.rollups);
  const partitionKey = keySafe(targetId);
  const entity: TableEntity = {
    partitionKey,
    rowKey: `${ALERT_ROW_PREFIX}${rule}`,
    kind: 'slo-alert',
    targetId,
    firingSince: state.firingSince ?? '',
  };
  const write: TransactionAction =
    previousEtag === undefined ? ['create', entity] : ['update', entity, 'Replace', { etag: previousEtag }];
  try {
    await table.submitTransaction([write, ...(notice?.actionsFor(partitionKey) ?? [])]);
  } catch (error) {
    throw storageError('writing an SLO alert state', error);
  }
  await notice?.publish(table);
}
