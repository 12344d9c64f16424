/*
 * The probe's Prometheus metrics as plain families (rendered by exposition.ts): a pure function of
 * the probe summary (the same figures GET /api/probes/summary answers), today's daily rollup per
 * target and the newest probe run, so a scrape never probes and other parts (error budgets) add
 * their own families beside these without touching them.
 *
 * Counters and histograms count since 00:00 UTC (today's daily rollup): they only grow during the
 * day and start again at midnight, which Prometheus' rate()/increase() read as a counter reset.
 * Histogram bounds are powers of two milliseconds, which are bucket edges of the stored log-scale
 * histogram (percentiles.ts: edges at 0.5 ms x 2^(i/8)), so every bucket count is exact.
 */

import { formatBound, type MetricFamily, type MetricSample } from './exposition';
import { BUCKETS_PER_DOUBLING, type Histogram } from './percentiles';
import { TARGET_CONDITIONS, type TargetSummary } from './probe-summary-types';
import { METRICS, type Rollup } from './rollup';
import { FAILURE_CLASSES } from './types';

/** What one scrape is built from. */
export interface ProbeMetricsInput {
  readonly targets: readonly TargetSummary[];
  /** Today's (UTC) daily rollup per target id; a target without one counts zero today. */
  readonly today: ReadonlyMap<string, Rollup>;
  readonly lastRun: LastRunFigures | null;
}

/** The figures of the newest probe run log row (run-log.ts). */
export interface LastRunFigures {
  readonly finishedAt: Date;
  readonly durationMs: number;
  readonly delayMs: number;
  readonly targets: number;
  readonly down: number;
  readonly writeErrors: number;
  readonly loadFailed: boolean;
}

/** Upper bounds in seconds: 1 ms to 32.768 s by doubling, then +Inf. */
export const PHASE_BUCKET_BOUNDS_MS: readonly number[] = Array.from({ length: 16 }, (_, k) => 2 ** k);

const PREFIX = 'gatekeeper_probe';

export function buildProbeMetrics(input: ProbeMetricsInput): MetricFamily[] {
  const { targets } = input;
  const perTarget: PerTarget = (name, help, type, samples) => ({
    name: `${PREFIX}_${name}`,
    help,
    type,
    samples: targets.flatMap(samples),
  });
  const families: MetricFamily[] = [
    perTarget('target_info', 'A configured probe target and its display name; always 1.', 'gauge', (t) => [
      { labels: { target: t.id, display_name: t.displayName ?? t.id }, value: 1 },
    ]),
    perTarget(
      'target_state',
      'The target state as the dashboard shows it: 1 for the current state, 0 for the others.',
      'gauge',
      (t) =>
        TARGET_CONDITIONS.map((state) => ({
          labels: { target: t.id, state },
          value: t.condition === state ? 1 : 0,
        })),
    ),
    perTarget('target_up', 'Whether the target answers (state UP or DEGRADED): 1 or 0.', 'gauge', (t) => [
      { labels: { target: t.id }, value: t.state === 'UP' || t.state === 'DEGRADED' ? 1 : 0 },
    ]),
    perTarget(
      'availability_ratio',
      'Share of judged runs that were UP or DEGRADED, without maintenance and time the connection was not Approved; absent with no judged run.',
      'gauge',
      (t) =>
        (
          [
            ['24h', t.availability.h24],
            ['7d', t.availability.d7],
            ['30d', t.availability.d30],
          ] as const
        ).flatMap(([window, value]) => (value === null ? [] : [{ labels: { target: t.id, window }, value }])),
    ),
    perTarget('consecutive_failures', 'DOWN runs in a row up to the last run.', 'gauge', (t) => [
      { labels: { target: t.id }, value: t.consecutiveFailures },
    ]),
    perTarget(
      'last_run_timestamp_seconds',
      'When the last run of the target was scheduled (Unix time).',
      'gauge',
      (t) =>
        t.lastResult.at === null
          ? []
          : [{ labels: { target: t.id }, value: Date.parse(t.lastResult.at) / 1000 }],
    ),
    perTarget(
      'certificate_expiry_timestamp_seconds',
      "When the target's TLS certificate expires (Unix time); absent for http targets.",
      'gauge',
      (t) =>
        t.certificateNotAfter === null
          ? []
          : [{ labels: { target: t.id }, value: Date.parse(t.certificateNotAfter) / 1000 }],
    ),
    perTarget('runs', 'Probe runs since 00:00 UTC by verdict (reset at midnight UTC).', 'counter', (t) => {
      const day = input.today.get(t.id);
      return (
        [
          ['up', day?.up],
          ['degraded', day?.degraded],
          ['down', day?.down],
          ['maintenance', day?.maintenance],
          ['not_approved', day?.notApproved],
        ] as const
      ).map(([result, value]) => ({ labels: { target: t.id, result }, value: value ?? 0 }));
    }),
    perTarget(
      'failures',
      'DOWN runs since 00:00 UTC by failure class of the final attempt (reset at midnight UTC); classes seen today only.',
      'counter',
      (t) => {
        const day = input.today.get(t.id);
        if (day === undefined) return [];
        return FAILURE_CLASSES.filter((c) => day.errors[c] > 0).map((c) => ({
          labels: { target: t.id, class: c },
          value: day.errors[c],
        }));
      },
    ),
    perTarget(
      'phase_duration_seconds',
      'Phase durations of UP and DEGRADED runs since 00:00 UTC, from the stored histograms (reset at midnight UTC).',
      'histogram',
      (t) => {
        const day = input.today.get(t.id);
        return METRICS.flatMap((phase) => {
          const stats = day?.metrics[phase];
          return histogramSamples(
            { target: t.id, phase },
            stats?.histogram ?? new Map(),
            (stats?.sumMs ?? 0) / 1000,
          );
        });
      },
    ),
    ...sloFamilies(perTarget),
  ];
  return [...families, ...runFamilies(input.lastRun)];
}

/**
 * Cumulative buckets from the sparse log-scale histogram: the bound 2^k ms is the upper edge of
 * stored bucket 8(k+1) (bucket i spans [0.5·2^((i-1)/8), 0.5·2^(i/8)) ms, bucket 0 everything below
 * 0.5 ms), so a bucket counts every stored index up to that one.
 */
function histogramSamples(
  labels: Readonly<Record<string, string>>,
  histogram: Histogram,
  sumSeconds: number,
): MetricSample[] {
  let total = 0;
  for (const count of histogram.values()) total += count;
  const samples: MetricSample[] = PHASE_BUCKET_BOUNDS_MS.map((boundMs, k) => {
    const lastIndex = BUCKETS_PER_DOUBLING * (k + 1);
    let cumulative = 0;
    for (const [index, count] of histogram) if (index <= lastIndex) cumulative += count;
    return { suffix: '_bucket', labels: { ...labels, le: formatBound(boundMs / 1000) }, value: cumulative };
  });
  samples.push({ suffix: '_bucket', labels: { ...labels, le: '+Inf' }, value: total });
  samples.push({ suffix: '_sum', labels, value: Math.round(sumSeconds * 1e6) / 1e6 });
  samples.push({ suffix: '_count', labels, value: total });
  return samples;
}

type PerTarget = (
  name: string,
  help: string,
  type: MetricFamily['type'],
  samples: (t: TargetSummary) => readonly MetricSample[],
) => MetricFamily;

/**
 * The error budget of targets with an objective, as the summary computes it (absent for the others).
 * A burn rate the summary gives as null is infinite (no budget at all to spend): +Inf here, which
 * the text format carries and JSON cannot.
 */
function sloFamilies(perTarget: PerTarget): MetricFamily[] {
  return [
    perTarget(
      'slo_objective_ratio',
      "The availability objective of the target's SLO as a share (0.999 for 99.9 %), labelled with its window.",
      'gauge',
      (t) =>
        t.budget === undefined
          ? []
          : [
              {
                labels: { target: t.id, window_days: String(t.budget.windowDays) },
                value: shareOf(t.budget.objective.availabilityPercent),
              },
            ],
    ),
    perTarget(
      'slo_budget_remaining_ratio',
      'Share of the error budget left over the SLO window (1 untouched, 0 or less spent), maintenance and time not Approved left out; absent without counted runs.',
      'gauge',
      (t) =>
        t.budget?.remainingPercent == null
          ? []
          : [{ labels: { target: t.id }, value: shareOf(t.budget.remainingPercent) }],
    ),
    perTarget(
      'slo_burn_rate',
      'Error-budget burn rate per alert rule over its long and short window (1 spends exactly the budget in the SLO window; +Inf with no budget to spend).',
      'gauge',
      (t) =>
        (t.budget?.burn ?? []).flatMap((b) => [
          {
            labels: { target: t.id, rule: b.rule, window: 'long' },
            value: b.longBurn ?? Number.POSITIVE_INFINITY,
          },
          {
            labels: { target: t.id, rule: b.rule, window: 'short' },
            value: b.shortBurn ?? Number.POSITIVE_INFINITY,
          },
        ]),
    ),
    perTarget(
      'slo_burn_alert_firing',
      'Whether the burn-rate rule fires now (both windows at or above its threshold): 1 or 0.',
      'gauge',
      (t) =>
        (t.budget?.burn ?? []).map((b) => ({
          labels: { target: t.id, rule: b.rule },
          value: b.firing ? 1 : 0,
        })),
    ),
  ];
}

/** A percentage as a share, without binary noise (99.9 → 0.999, not 0.9990000000000001). */
function shareOf(percent: number): number {
  return Number((percent / 100).toPrecision(12));
}

function runFamilies(run: LastRunFigures | null): MetricFamily[] {
  if (run === null) return [];
  const gauge = (name: string, help: string, value: number): MetricFamily => ({
    name: `${PREFIX}_${name}`,
    help,
    type: 'gauge',
    samples: [{ labels: {}, value }],
  });
  return [
    gauge(
      'run_last_finished_timestamp_seconds',
      'When the newest probe run finished (Unix time).',
      run.finishedAt.getTime() / 1000,
    ),
    gauge(
      'run_last_duration_seconds',
      'How long the newest probe run took, writing included.',
      run.durationMs / 1000,
    ),
    gauge(
      'run_last_delay_seconds',
      'How late the newest probe run started after its scheduled time.',
      run.delayMs / 1000,
    ),
    gauge('run_last_targets', 'Targets the newest probe run covered.', run.targets),
    gauge('run_last_down_targets', 'Targets the newest probe run found DOWN.', run.down),
    gauge('run_last_write_errors', 'Results the newest probe run could not store.', run.writeErrors),
    gauge(
      'run_last_load_failed',
      'Whether the newest probe run could not load the targets: 1 or 0.',
      run.loadFailed ? 1 : 0,
    ),
  ];
}
