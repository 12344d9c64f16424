/*
 * Reads the final attempt of every run of one target in [from, to) from the raw monthly tables
 * (README.md#probe-tables): one partition per UTC day, row keys newest first. Only the columns a
 * chart needs are selected. Meant for ranges of hours; longer ranges read rollups.
 */
import { odata } from '@azure/data-tables';
import {
  addMetricSample,
  isNotApprovedFailure,
  METRICS,
  type Metric,
  type Rollup,
} from '../../probe/core/rollup';
import { FAILURE_CLASSES, type FailureClass, type ResultStatus } from '../../probe/core/types';
import { rawTableLogicalName } from '../../probe/storage/probe-tables';
import { rawPartitionKey } from '../../probe/storage/raw-results';
import { asDate } from '../../storage/entity-values';
import { isNotFound, storageError } from '../../storage/table-errors';
import { dayKey, invertedTicks, startOfUtcDay } from '../../storage/table-keys';
import type { MonthlyTableSource } from '../../storage/table-source';

export interface RawRun {
  readonly scheduledAt: Date;
  readonly status: ResultStatus;
  readonly inMaintenance: boolean;
  /** The PLS connection state the run saw when it was not Approved; null otherwise. */
  readonly connectionState: string | null;
  readonly failureClass: FailureClass | null;
  readonly timings: Readonly<Record<Metric, number | null>>;
}

const SELECT = [
  'scheduledAt',
  'status',
  'inMaintenance',
  'connectionState',
  'failureClass',
  'totalMs',
  'dnsMs',
  'tcpMs',
  'tlsMs',
  'ttfbMs',
  'transferMs',
];

const DAY_MS = 86_400_000;

/** Row keys are `{invertedTicks}_{runHash}_{attempt}`; `_~` sorts after every suffix of the same instant. */
export function rawRowKeyFilter(from: Date, to: Date): string {
  return odata`RowKey gt ${`${invertedTicks(to)}_~`} and RowKey lt ${`${invertedTicks(from)}_~`}`;
}

export async function readRawRuns(
  container: MonthlyTableSource,
  targetId: string,
  from: Date,
  to: Date,
): Promise<RawRun[]> {
  const days: Date[] = [];
  for (let day = startOfUtcDay(from); day.getTime() < to.getTime(); day = new Date(day.getTime() + DAY_MS))
    days.push(day);
  const perDay = await Promise.all(days.map((day) => readDay(container, targetId, day, from, to)));
  return perDay.flat().sort((a, b) => a.scheduledAt.getTime() - b.scheduledAt.getTime());
}

async function readDay(
  container: MonthlyTableSource,
  targetId: string,
  day: Date,
  from: Date,
  to: Date,
): Promise<RawRun[]> {
  const table = await container.tableClient(container.tableName(rawTableLogicalName(day)));
  const filter = `${odata`PartitionKey eq ${rawPartitionKey(targetId, day)}`} and ${rawRowKeyFilter(from, to)} and isFinal eq true`;
  const runs: RawRun[] = [];
  try {
    for await (const e of table.listEntities({ queryOptions: { filter, select: SELECT } })) {
      const scheduledAt = asDate(e.scheduledAt);
      const status = e.status;
      if (scheduledAt === null || (status !== 'UP' && status !== 'DEGRADED' && status !== 'DOWN')) continue;
      runs.push({
        scheduledAt,
        status,
        inMaintenance: e.inMaintenance === true,
        connectionState: typeof e.connectionState === 'string' ? e.connectionState : null,
        failureClass: FAILURE_CLASSES.find((c) => c === e.failureClass) ?? null,
        timings: Object.fromEntries(METRICS.map((m) => [m, numberOrNull(e[`${m}Ms`])])) as Record<
          Metric,
          number | null
        >,
      });
    }
  } catch (error) {
    // A month without a table (nothing probed yet, or dropped by retention) simply has no rows.
    if (isNotFound(error)) return [];
    throw storageError(`reading raw probe results of ${dayKey(day)}`, error);
  }
  return runs;
}

/** Counts one run into a rollup with the store's own rules (shared/probe/core/rollup.ts addResult). */
export function addRawRun(rollup: Rollup, run: RawRun): void {
  rollup.count += 1;
  if (run.inMaintenance) {
    rollup.maintenance += 1;
    return;
  }
  if (isNotApprovedFailure(run)) {
    rollup.notApproved += 1;
    return;
  }
  if (run.status === 'DOWN') {
    rollup.down += 1;
    if (run.failureClass !== null) rollup.errors[run.failureClass] += 1;
    return;
  }
  if (run.status === 'UP') rollup.up += 1;
  else rollup.degraded += 1;
  for (const metric of METRICS) {
    addMetricSample(rollup.metrics[metric], run.timings[metric]);
  }
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
