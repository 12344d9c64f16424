/*
 * A latency chart's data for one target and range: every bucket of the range (empty ones too, so
 * a dead probe shows as a gap, not as a line drawn across it), each with its verdict counts,
 * failures by class, and per-phase means that stack up to the mean total. Raw rows for short
 * ranges, rollups for long ones (series-ranges.ts).
 */
import type { Clock } from '../../clock';
import { AppError } from '../../errors';
import {
  availability,
  emptyRollup,
  type Metric,
  metricPercentile,
  type Rollup,
} from '../../probe/core/rollup';
import { FAILURE_CLASSES, type FailureClass } from '../../probe/core/types';
import { LATEST_PARTITION, latestViewFromEntity } from '../../probe/storage/latest';
import { PROBE_TABLES } from '../../probe/storage/probe-tables';
import { readRollups } from '../../probe/storage/rollups';
import { getOrUndefined } from '../../storage/table-errors';
import { keySafe } from '../../storage/table-keys';
import type { MonthlyTableSource } from '../../storage/table-source';
import { planRange, type RangePlan, type SeriesRange, type SeriesSource } from '../core/series-ranges';
import { addRawRun, readRawRuns } from './raw-rows';

export const STACKED_PHASES = ['dns', 'tcp', 'tls', 'ttfb', 'transfer'] as const satisfies readonly Metric[];

export interface SeriesPoint {
  readonly start: string;
  readonly runs: number;
  readonly up: number;
  readonly degraded: number;
  readonly down: number;
  readonly maintenance: number;
  /** DOWN runs while the PLS connection was not Approved: out of availability, like maintenance. */
  readonly notApproved: number;
  readonly availability: number | null;
  /** Mean of each phase over the successful runs that had it; null when none did (DNS for IP literals). */
  readonly phasesMeanMs: Readonly<Record<(typeof STACKED_PHASES)[number], number | null>>;
  readonly totalMeanMs: number | null;
  readonly totalP50Ms: number | null;
  readonly totalP95Ms: number | null;
  readonly totalMaxMs: number | null;
  /** DOWN runs outside maintenance by failure class; only classes that occurred. */
  readonly failures: Readonly<Partial<Record<FailureClass, number>>>;
}

export interface ProbeSeries {
  readonly target: { readonly id: string; readonly displayName: string | null };
  readonly range: SeriesRange;
  readonly source: SeriesSource;
  readonly bucketSeconds: number;
  readonly from: string;
  readonly to: string;
  readonly generatedAt: string;
  readonly points: readonly SeriesPoint[];
}

export async function readProbeSeries(
  container: MonthlyTableSource & { readonly clock: Clock },
  targetId: string,
  range: SeriesRange,
): Promise<ProbeSeries> {
  const now = container.clock.now();
  const target = await readTarget(container, targetId);
  const plan = planRange(range, now);
  const buckets =
    plan.source === 'raw'
      ? await rawBuckets(container, targetId, plan)
      : await rollupBuckets(container, targetId, plan);
  return {
    target,
    range,
    source: plan.source,
    bucketSeconds: plan.bucketMs / 1000,
    from: plan.from.toISOString(),
    to: plan.to.toISOString(),
    generatedAt: now.toISOString(),
    points: buckets.map((rollup, i) => pointOf(new Date(plan.from.getTime() + i * plan.bucketMs), rollup)),
  };
}

/** One point read of the target's latest row: an unknown target is a 404, not an empty chart. */
async function readTarget(
  container: MonthlyTableSource & { readonly clock: Clock },
  targetId: string,
): Promise<ProbeSeries['target']> {
  const table = await container.table(PROBE_TABLES.latest);
  const entity = await getOrUndefined(
    () => table.getEntity(LATEST_PARTITION, keySafe(targetId)),
    'reading the latest probe state',
  );
  if (entity === undefined)
    throw new AppError('not_found', `No probe target "${targetId}" has results.`, {
      issues: [{ path: 'target', message: 'expected the id of a probed target (see /api/probes/summary)' }],
    });
  return { id: targetId, displayName: latestViewFromEntity(entity).displayName };
}

function emptyBuckets(plan: RangePlan): Rollup[] {
  return Array.from({ length: plan.buckets }, () => emptyRollup());
}

function bucketIndex(plan: RangePlan, at: Date): number {
  return Math.floor((at.getTime() - plan.from.getTime()) / plan.bucketMs);
}

async function rawBuckets(
  container: MonthlyTableSource & { readonly clock: Clock },
  targetId: string,
  plan: RangePlan,
): Promise<Rollup[]> {
  const buckets = emptyBuckets(plan);
  for (const run of await readRawRuns(container, targetId, plan.from, plan.to)) {
    const bucket = buckets[bucketIndex(plan, run.scheduledAt)];
    if (bucket !== undefined) addRawRun(bucket, run);
  }
  return buckets;
}

async function rollupBuckets(
  container: MonthlyTableSource & { readonly clock: Clock },
  targetId: string,
  plan: RangePlan,
): Promise<Rollup[]> {
  const kind = plan.source === 'day' ? 'day' : 'hour';
  const buckets = emptyBuckets(plan);
  for (const stored of await readRollups(container, targetId, kind, plan.from, plan.to)) {
    const index = bucketIndex(plan, stored.periodStart);
    if (index >= 0 && index < buckets.length) buckets[index] = stored.rollup;
  }
  return buckets;
}

const round = (value: number | null) => (value === null ? null : Math.round(value * 1000) / 1000);

function mean(rollup: Rollup, metric: Metric): number | null {
  const stats = rollup.metrics[metric];
  return stats.n === 0 ? null : round(stats.sumMs / stats.n);
}

export function pointOf(start: Date, rollup: Rollup): SeriesPoint {
  const failures: Partial<Record<FailureClass, number>> = {};
  for (const c of FAILURE_CLASSES) if (rollup.errors[c] > 0) failures[c] = rollup.errors[c];
  const total = rollup.metrics.total;
  return {
    start: start.toISOString(),
    runs: rollup.count,
    up: rollup.up,
    degraded: rollup.degraded,
    down: rollup.down,
    maintenance: rollup.maintenance,
    notApproved: rollup.notApproved,
    availability: round(availability(rollup)),
    phasesMeanMs: Object.fromEntries(
      STACKED_PHASES.map((p) => [p, mean(rollup, p)]),
    ) as SeriesPoint['phasesMeanMs'],
    totalMeanMs: mean(rollup, 'total'),
    totalP50Ms: round(metricPercentile(rollup, 'total', 0.5)),
    totalP95Ms: round(metricPercentile(rollup, 'total', 0.95)),
    totalMaxMs: total.n === 0 ? null : round(total.maxMs),
    failures,
  };
}
