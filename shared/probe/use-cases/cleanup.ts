/*
 * Retention (`cleanupProbeResults` timer). Raw results older than PROBE_RETENTION_DAYS go:
 * monthly tables that lie entirely before the cutoff are dropped (one call, no scan); in the
 * month the cutoff falls in, whole day partitions before it are deleted, one partition-scoped
 * query per target and day, resuming where the last run stopped. Hourly rollups are kept
 * HOURLY_RETENTION_DAYS, run markers MARKER_RETENTION_DAYS, the run log as long as raw rows;
 * daily rollups, latest rows and state-change events are kept forever (they are small).
 */
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import type { Log } from '../../log';
import { asDate } from '../../storage/entity-values';
import { storageError } from '../../storage/table-errors';
import {
  addDays,
  dayKey,
  hourKey,
  keySafe,
  secondKey,
  startOfUtcDay,
  startOfUtcMonth,
} from '../../storage/table-keys';
import { readAllLatest } from '../storage/latest';
import { PROBE_TABLES } from '../storage/probe-tables';
import { rawPartitionKey } from '../storage/raw-results';
import { MARKER_RETENTION_DAYS, ROW_PREFIX } from '../storage/rollups';
import type { ProbePorts } from './probe-ports';

export const HOURLY_RETENTION_DAYS = 90;
const CLEANUP_PARTITION = 'cleanup';
const CLEANUP_ROW = 'raw';
const TRANSACTION_LIMIT = 100;

export interface CleanupSummary {
  readonly cutoff: string;
  readonly tablesDropped: readonly string[];
  readonly rawPartitionsPurged: number;
  readonly rawRowsDeleted: number;
  readonly hourlyRowsDeleted: number;
  readonly markerRowsDeleted: number;
  readonly runRowsDeleted: number;
  readonly durationMs: number;
}

export async function runProbeCleanup(
  _timer: unknown,
  context: Log,
  container: ProbePorts,
): Promise<CleanupSummary> {
  const started = Date.now();
  const now = container.clock.now();
  const cutoff = startOfUtcDay(addDays(now, -container.config.probe.retentionDays));
  const targetIds = (await readAllLatest(container)).map((t) => t.targetId);

  const tablesDropped = await dropExpiredMonthlyTables(container, cutoff);
  const raw = await purgeBoundaryMonth(container, targetIds, cutoff);
  const hourlyRowsDeleted = await purgeRollupRows(
    container,
    targetIds,
    ROW_PREFIX.hour,
    hourKey(addDays(now, -HOURLY_RETENTION_DAYS)),
  );
  const markerRowsDeleted = await purgeRollupRows(
    container,
    targetIds,
    ROW_PREFIX.marker,
    secondKey(addDays(now, -MARKER_RETENTION_DAYS)),
  );
  const runRowsDeleted = await purgeRunLog(container, cutoff);

  const summary: CleanupSummary = {
    cutoff: cutoff.toISOString(),
    tablesDropped,
    rawPartitionsPurged: raw.partitions,
    rawRowsDeleted: raw.rows,
    hourlyRowsDeleted,
    markerRowsDeleted,
    runRowsDeleted,
    durationMs: Date.now() - started,
  };
  context.log(JSON.stringify({ event: 'probe.cleanup', ...summary }));
  return summary;
}

/** `{prefix}ProbeResults{yyyyMM}` tables whose month ended at or before the cutoff. */
async function dropExpiredMonthlyTables(container: ProbePorts, cutoff: Date): Promise<string[]> {
  const service = await container.tableService();
  const prefix = container.tableName(PROBE_TABLES.rawPrefix);
  const monthly = new RegExp(`^${prefix}(\\d{4})(\\d{2})$`);
  const dropped: string[] = [];
  try {
    const names: string[] = [];
    // Table names compare case-insensitively in the service but the range filter is lexical: `{` sorts after every letter and digit.
    for await (const table of service.listTables({
      queryOptions: { filter: odata`TableName ge ${prefix} and TableName lt ${`${prefix}{`}` },
    }))
      if (table.name !== undefined) names.push(table.name);
    for (const name of names) {
      const match = monthly.exec(name);
      if (match === null) continue;
      const nextMonth = new Date(Date.UTC(Number(match[1]), Number(match[2]), 1));
      if (nextMonth.getTime() <= cutoff.getTime()) {
        await service.deleteTable(name);
        dropped.push(name);
      }
    }
  } catch (error) {
    throw storageError('dropping expired probe result tables', error);
  }
  return dropped;
}

/** Deletes the day partitions before the cutoff in the cutoff's own month, resuming from the last run's progress. */
async function purgeBoundaryMonth(
  container: ProbePorts,
  targetIds: readonly string[],
  cutoff: Date,
): Promise<{ partitions: number; rows: number }> {
  const monthStart = startOfUtcMonth(cutoff);
  if (monthStart.getTime() === cutoff.getTime()) return { partitions: 0, rows: 0 };
  const runs = await container.table(PROBE_TABLES.runs);
  const progress = await readProgress(runs);
  const from = progress !== null && progress.getTime() > monthStart.getTime() ? progress : monthStart;
  if (from.getTime() >= cutoff.getTime()) return { partitions: 0, rows: 0 };

  const service = await container.tableService();
  const tableName = container.tableName(`${PROBE_TABLES.rawPrefix}${dayKey(monthStart).slice(0, 6)}`);
  const exists = await tableExists(service, tableName);
  let partitions = 0;
  let rows = 0;
  if (exists) {
    const table = await container.tableClient(tableName);
    for (let day = from; day.getTime() < cutoff.getTime(); day = addDays(day, 1)) {
      for (const targetId of targetIds) {
        const deleted = await deleteWhere(table, odata`PartitionKey eq ${rawPartitionKey(targetId, day)}`);
        if (deleted > 0) partitions++;
        rows += deleted;
      }
    }
  }
  try {
    await runs.upsertEntity(
      { partitionKey: CLEANUP_PARTITION, rowKey: CLEANUP_ROW, purgedBefore: cutoff },
      'Replace',
    );
  } catch (error) {
    throw storageError('recording cleanup progress', error);
  }
  return { partitions, rows };
}

async function purgeRollupRows(
  container: ProbePorts,
  targetIds: readonly string[],
  prefix: string,
  before: string,
): Promise<number> {
  const table = await container.table(PROBE_TABLES.rollups);
  let deleted = 0;
  for (const targetId of targetIds)
    deleted += await deleteWhere(
      table,
      odata`PartitionKey eq ${keySafe(targetId)} and RowKey ge ${prefix} and RowKey lt ${`${prefix}${before}`}`,
    );
  return deleted;
}

/** Run-log partitions are UTC days (`yyyyMMdd`): everything lexically below the cutoff day is older. */
async function purgeRunLog(container: ProbePorts, cutoff: Date): Promise<number> {
  const table = await container.table(PROBE_TABLES.runs);
  return deleteWhere(table, odata`PartitionKey ge ${'0'} and PartitionKey lt ${dayKey(cutoff)}`);
}

/** Deletes every entity the filter matches, in per-partition transactions of at most 100. */
async function deleteWhere(table: TableClient, filter: string): Promise<number> {
  const byPartition = new Map<string, string[]>();
  try {
    for await (const entity of table.listEntities({
      queryOptions: { filter, select: ['PartitionKey', 'RowKey'] },
    })) {
      const rows = byPartition.get(entity.partitionKey ?? '') ?? [];
      rows.push(entity.rowKey ?? '');
      byPartition.set(entity.partitionKey ?? '', rows);
    }
    let deleted = 0;
    for (const [partitionKey, rowKeys] of byPartition) {
      for (let i = 0; i < rowKeys.length; i += TRANSACTION_LIMIT) {
        const actions: TransactionAction[] = rowKeys
          .slice(i, i + TRANSACTION_LIMIT)
          .map((rowKey) => ['delete', { partitionKey, rowKey }]);
        await table.submitTransaction(actions);
        deleted += actions.length;
      }
    }
    return deleted;
  } catch (error) {
    throw storageError(`deleting expired rows from ${table.tableName}`, error);
  }
}

async function readProgress(runs: TableClient): Promise<Date | null> {
  try {
    const entity = await runs.getEntity(CLEANUP_PARTITION, CLEANUP_ROW);
    return asDate(entity.purgedBefore);
  } catch {
    return null;
  }
}

async function tableExists(
  service: Awaited<ReturnType<ProbePorts['tableService']>>,
  name: string,
): Promise<boolean> {
  for await (const table of service.listTables({ queryOptions: { filter: odata`TableName eq ${name}` } }))
    if (table.name === name) return true;
  return false;
}
