/*
 * One rollup (an hour or a day of one target): counts by verdict, failure classes, and per-metric
 * latency statistics. Pure data with pure functions, so "the stored rollup equals a recomputation
 * from raw rows" is a plain equality in tests.
 *
 * What counts where (documented in README.md#probe-tables):
 * - `count` is every run; a run inside a maintenance window counts in `maintenance` only, and a
 *   DOWN run while the PLS connection was not Approved (the run carries its state: Pending,
 *   Rejected, Missing, ...) counts in `notApproved` only, so
 *   `count = up + degraded + down + maintenance + notApproved` and availability ignores both: an
 *   endpoint waiting for the provider's approval, or rejected by it, is not the service failing
 *   (docs/probe.md, "What availability counts").
 * - failure classes count the other DOWN runs, by the final attempt's class.
 * - latency statistics use runs outside maintenance that were UP or DEGRADED (a timeout's
 *   "latency" is the timeout, not the service's speed), from the final attempt.
 */
import { compact, double } from '../../storage/entity-values';
import {
  addSample,
  decodeHistogram,
  emptyHistogram,
  encodeHistogram,
  type Histogram,
  mergeInto,
  percentile,
} from './percentiles';
import { FAILURE_CLASSES, type FailureClass, type ProbeResult } from './types';

export const METRICS = ['total', 'dns', 'tcp', 'tls', 'ttfb', 'transfer'] as const;
export type Metric = (typeof METRICS)[number];

const METRIC_FIELD: Record<Metric, 'totalMs' | 'dnsMs' | 'tcpMs' | 'tlsMs' | 'ttfbMs' | 'transferMs'> = {
  total: 'totalMs',
  dns: 'dnsMs',
  tcp: 'tcpMs',
  tls: 'tlsMs',
  ttfb: 'ttfbMs',
  transfer: 'transferMs',
};

export interface MetricStats {
  n: number;
  sumMs: number;
  maxMs: number;
  readonly histogram: Histogram;
}

export interface Rollup {
  count: number;
  up: number;
  degraded: number;
  down: number;
  maintenance: number;
  /** DOWN runs outside maintenance while the PLS connection was not Approved. */
  notApproved: number;
  readonly errors: Record<FailureClass, number>;
  readonly metrics: Record<Metric, MetricStats>;
}

export function emptyRollup(): Rollup {
  return {
    count: 0,
    up: 0,
    degraded: 0,
    down: 0,
    maintenance: 0,
    notApproved: 0,
    errors: Object.fromEntries(FAILURE_CLASSES.map((c) => [c, 0])) as Record<FailureClass, number>,
    metrics: Object.fromEntries(
      METRICS.map((m) => [m, { n: 0, sumMs: 0, maxMs: 0, histogram: emptyHistogram() }]),
    ) as Record<Metric, MetricStats>,
  };
}

/** Adds one run (its verdict and final attempt) to a rollup, in place. */
export function addResult(rollup: Rollup, result: ProbeResult): Rollup {
  rollup.count += 1;
  if (result.inMaintenance) {
    rollup.maintenance += 1;
    return rollup;
  }
  if (isNotApprovedFailure(result)) {
    rollup.notApproved += 1;
    return rollup;
  }
  if (result.status === 'UP') rollup.up += 1;
  else if (result.status === 'DEGRADED') rollup.degraded += 1;
  else {
    rollup.down += 1;
    const failureClass = result.final.failure?.class;
    if (failureClass !== undefined) rollup.errors[failureClass] += 1;
    return rollup;
  }
  for (const metric of METRICS) {
    addMetricSample(rollup.metrics[metric], result.final.timings[METRIC_FIELD[metric]]);
  }
  return rollup;
}

/**
 * A failure the run explained by the PLS connection state (not Approved): the connection's doing,
 * not the service's (the same test as the state machine's `awaitsConnection`).
 */
export function isNotApprovedFailure(run: {
  readonly status: string;
  readonly connectionState: string | null;
}): boolean {
  return run.status === 'DOWN' && run.connectionState !== null;
}

export function rollupOf(results: Iterable<ProbeResult>): Rollup {
  const rollup = emptyRollup();
  for (const result of results) addResult(rollup, result);
  return rollup;
}

export function mergeRollups(rollups: Iterable<Rollup>): Rollup {
  const total = emptyRollup();
  for (const r of rollups) {
    total.count += r.count;
    total.up += r.up;
    total.degraded += r.degraded;
    total.down += r.down;
    total.maintenance += r.maintenance;
    total.notApproved += r.notApproved;
    for (const c of FAILURE_CLASSES) total.errors[c] += r.errors[c];
    for (const m of METRICS) {
      const into = total.metrics[m];
      const from = r.metrics[m];
      into.n += from.n;
      into.sumMs += from.sumMs;
      into.maxMs = Math.max(into.maxMs, from.maxMs);
      mergeInto(into.histogram, from.histogram);
    }
  }
  return total;
}

/** Share of judged runs (outside maintenance, connection Approved) that were UP or DEGRADED; null when there were none. */
export function availability(rollup: Pick<Rollup, 'up' | 'degraded' | 'down'>): number | null {
  const judged = rollup.up + rollup.degraded + rollup.down;
  return judged === 0 ? null : (rollup.up + rollup.degraded) / judged;
}

export function metricPercentile(rollup: Rollup, metric: Metric, p: number): number | null {
  const stats = rollup.metrics[metric];
  return percentile(stats.histogram, p, stats.n > 0 ? stats.maxMs : undefined);
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

/**
 * The stored columns. Histograms are the source of truth for percentiles; the p50/p95/max/mean
 * columns are derived on every write so Power BI and Storage Explorer can read them directly.
 */
export function rollupColumns(rollup: Rollup): Record<string, unknown> {
  const columns: Record<string, unknown> = {
    count: rollup.count,
    up: rollup.up,
    degraded: rollup.degraded,
    down: rollup.down,
    maintenance: rollup.maintenance,
    notApproved: rollup.notApproved,
    availability: nullableDouble(availability(rollup)),
  };
  for (const c of FAILURE_CLASSES) columns[`err_${c}`] = rollup.errors[c];
  for (const m of METRICS) {
    const stats = rollup.metrics[m];
    columns[`${m}N`] = stats.n;
    if (stats.n === 0) continue;
    columns[`${m}SumMs`] = double(round3(stats.sumMs));
    columns[`${m}MeanMs`] = double(round3(stats.sumMs / stats.n));
    columns[`${m}MaxMs`] = double(stats.maxMs);
    columns[`${m}P50Ms`] = nullableDouble(metricPercentile(rollup, m, 0.5));
    columns[`${m}P95Ms`] = nullableDouble(metricPercentile(rollup, m, 0.95));
    columns[`${m}Hist`] = encodeHistogram(stats.histogram);
  }
  return compact(columns);
}

/** Reads a stored rollup entity back; missing columns read as zero (older rows, or never-seen metrics). */
export function rollupFromEntity(entity: Readonly<Record<string, unknown>>): Rollup {
  const rollup = emptyRollup();
  const int = (name: string) => {
    const v = entity[name];
    return typeof v === 'number' && Number.isFinite(v) ? v : 0;
  };
  rollup.count = int('count');
  rollup.up = int('up');
  rollup.degraded = int('degraded');
  rollup.down = int('down');
  rollup.maintenance = int('maintenance');
  rollup.notApproved = int('notApproved');
  for (const c of FAILURE_CLASSES) rollup.errors[c] = int(`err_${c}`);
  for (const m of METRICS) {
    const stats = rollup.metrics[m];
    stats.n = int(`${m}N`);
    stats.sumMs = int(`${m}SumMs`);
    stats.maxMs = int(`${m}MaxMs`);
    mergeInto(stats.histogram, decodeHistogram(entity[`${m}Hist`]));
  }
  return rollup;
}

function nullableDouble(value: number | null): ReturnType<typeof double> | undefined {
  return value === null ? undefined : double(round3(value));
}

/** Counts one phase timing into a rollup's statistics; phases that did not happen (null) are skipped. */
export function addMetricSample(stats: MetricStats, value: number | null | undefined): void {
  if (value === null || value === undefined || !Number.isFinite(value)) return;
  stats.n += 1;
  stats.sumMs += value;
  stats.maxMs = Math.max(stats.maxMs, value);
  addSample(stats.histogram, value);
}
