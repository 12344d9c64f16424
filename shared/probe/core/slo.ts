/*
 * Service-level objectives of a probe target: error budget and burn rates, pure.
 *
 * The rule (docs/probe.md, "Objectives and error budgets"): a run counts towards an objective only
 * when it was judged against the service, so runs in a maintenance window and DOWN runs while the
 * PLS connection was not Approved are excluded (the rollups count them apart, ./rollup.ts).
 * Of the runs that count, DOWN is bad for availability; UP and DEGRADED are good. For latency,
 * a good run slower than `latencyMs` misses the latency objective.
 *
 * Burn rate = the error rate over a window divided by the error rate the objective allows
 * (1 - availability). A burn rate of 1 spends exactly the whole budget over the objective's window.
 */
import { bucketBounds, type Histogram } from './percentiles';
import { isNotApprovedFailure, type Rollup } from './rollup';
import type { SloObjective } from './types';

export type { SloObjective };

/** What a stretch of time contributed: counted runs and how many of them were bad. */
export interface SloCounts {
  /** Runs judged against the service: up + degraded + down. */
  readonly counted: number;
  readonly bad: number;
  readonly maintenance: number;
  readonly notApproved: number;
  /** Good runs with a latency sample, and how many of them were (at most) within latencyMs. */
  readonly latencySamples: number;
  readonly withinLatency: number;
}

export const NO_COUNTS: SloCounts = {
  counted: 0,
  bad: 0,
  maintenance: 0,
  notApproved: 0,
  latencySamples: 0,
  withinLatency: 0,
};

/** A period with counts: an hourly rollup (an hour long) or one run (start = end = its scheduled time). */
export interface SloSample {
  readonly start: Date;
  readonly end: Date;
  readonly counts: SloCounts;
}

/**
 * Runs of a rollup within `latencyMs`, read from its total-latency histogram: only buckets whose
 * upper bound is at most `latencyMs` count as within, so the figure errs on the strict side (by
 * at most one bucket, about 9 % of the value).
 */
export function countWithin(histogram: Histogram, latencyMs: number): number {
  let within = 0;
  for (const [bucket, n] of histogram) if (bucketBounds(bucket).upper <= latencyMs) within += n;
  return within;
}

export function countsOfRollup(rollup: Rollup, latencyMs: number | undefined): SloCounts {
  const total = rollup.metrics.total;
  return {
    counted: rollup.up + rollup.degraded + rollup.down,
    bad: rollup.down,
    maintenance: rollup.maintenance,
    notApproved: rollup.notApproved,
    latencySamples: latencyMs === undefined ? 0 : total.n,
    withinLatency: latencyMs === undefined ? 0 : countWithin(total.histogram, latencyMs),
  };
}

/** One run as counts: the same rule as the rollups (maintenance first, then a not-Approved DOWN). */
export function countsOfRun(run: {
  readonly status: string;
  readonly inMaintenance: boolean;
  readonly connectionState: string | null;
}): SloCounts {
  if (run.inMaintenance) return { ...NO_COUNTS, maintenance: 1 };
  if (isNotApprovedFailure(run)) return { ...NO_COUNTS, notApproved: 1 };
  return { ...NO_COUNTS, counted: 1, bad: run.status === 'DOWN' ? 1 : 0 };
}

export function addCounts(a: SloCounts, b: SloCounts, weight = 1): SloCounts {
  return {
    counted: a.counted + b.counted * weight,
    bad: a.bad + b.bad * weight,
    maintenance: a.maintenance + b.maintenance * weight,
    notApproved: a.notApproved + b.notApproved * weight,
    latencySamples: a.latencySamples + b.latencySamples * weight,
    withinLatency: a.withinLatency + b.withinLatency * weight,
  };
}

/**
 * Counts of the samples within (from, to]: a period partly inside counts in proportion to its
 * overlap (an hourly rollup half inside a 1 h window counts half), an instant counts when inside.
 */
export function countsInWindow(samples: readonly SloSample[], from: Date, to: Date): SloCounts {
  let sum = NO_COUNTS;
  const a = from.getTime();
  const b = to.getTime();
  for (const s of samples) {
    const start = s.start.getTime();
    const end = s.end.getTime();
    if (end <= start) {
      if (start > a && start <= b) sum = addCounts(sum, s.counts);
      continue;
    }
    const overlap = Math.min(end, b) - Math.max(start, a);
    if (overlap > 0) sum = addCounts(sum, s.counts, overlap / (end - start));
  }
  return sum;
}

export interface ErrorBudget {
  /** Counted runs and the share of them not DOWN (null without counted runs). */
  readonly counted: number;
  readonly availability: number | null;
  /** How many DOWN runs the objective allows over the counted runs, and how many there were. */
  readonly allowedBad: number;
  readonly bad: number;
  /** Share of the budget spent (1 = all; above 1 = the objective was missed); null without counted runs. */
  readonly budgetUsed: number | null;
  readonly budgetRemaining: number | null;
  readonly objectiveMet: boolean | null;
  /** Latency: share of good runs within latencyMs, and whether it meets latencyTarget (null without objective or samples). */
  readonly latencyAttainment: number | null;
  readonly latencyObjectiveMet: boolean | null;
}

export function allowedErrorRate(objective: Pick<SloObjective, 'availability'>): number {
  return 1 - objective.availability / 100;
}

export function errorBudget(objective: SloObjective, counts: SloCounts): ErrorBudget {
  const allowedRate = allowedErrorRate(objective);
  const counted = counts.counted;
  const allowedBad = counted * allowedRate;
  const hasRuns = counted > 0;
  // An objective of 100 % allows no failure: any DOWN run spends more than the (empty) budget.
  const budgetUsed = !hasRuns
    ? null
    : allowedBad > 0
      ? counts.bad / allowedBad
      : counts.bad > 0
        ? Infinity
        : 0;
  const latencyAttainment =
    objective.latencyMs === undefined || counts.latencySamples === 0
      ? null
      : counts.withinLatency / counts.latencySamples;
  return {
    counted,
    availability: hasRuns ? 1 - counts.bad / counted : null,
    allowedBad,
    bad: counts.bad,
    budgetUsed,
    budgetRemaining: budgetUsed === null ? null : 1 - budgetUsed,
    objectiveMet: budgetUsed === null ? null : budgetUsed <= 1,
    latencyAttainment,
    latencyObjectiveMet:
      latencyAttainment === null ? null : latencyAttainment * 100 >= objective.latencyTarget,
  };
}

/** Burn rate of a window's counts: 0 without counted runs (no evidence of burning). */
export function burnRate(objective: Pick<SloObjective, 'availability'>, counts: SloCounts): number {
  if (counts.counted <= 0) return 0;
  const allowed = allowedErrorRate(objective);
  const rate = counts.bad / counts.counted;
  if (allowed <= 0) return rate > 0 ? Infinity : 0;
  return rate / allowed;
}

/**
 * Multi-window, multi-burn-rate alerts as recommended by the Google SRE workbook, chapter
 * "Alerting on SLOs" (section 6, "Multiwindow, multi-burn-rate alerts"): page when 2 % of a 30-day
 * budget burns within 1 h (burn 14.4, checked over 1 h and 5 min) or 5 % within 6 h (burn 6,
 * over 6 h and 30 min); open a ticket when 10 % burns within 3 days (burn 1, over 3 days and
 * 6 h). The short window (1/12 of the long one) lets the alert resolve soon after the burn stops.
 * The burn rate threshold is derived from the budget share, so it scales with the objective's
 * window (14.4 for 30 days, 13.44 for 28).
 */
export interface BurnRule {
  readonly name: 'page-fast' | 'page-slow' | 'ticket';
  readonly severity: 'page' | 'ticket';
  readonly budgetShare: number;
  readonly longMinutes: number;
  readonly shortMinutes: number;
}

export const BURN_RULES: readonly BurnRule[] = [
  { name: 'page-fast', severity: 'page', budgetShare: 0.02, longMinutes: 60, shortMinutes: 5 },
  { name: 'page-slow', severity: 'page', budgetShare: 0.05, longMinutes: 360, shortMinutes: 30 },
  { name: 'ticket', severity: 'ticket', budgetShare: 0.1, longMinutes: 3 * 24 * 60, shortMinutes: 360 },
];

export function burnThreshold(rule: BurnRule, objective: Pick<SloObjective, 'windowDays'>): number {
  // Rounded so that 0.02 * 30 days / 1 h reads 14.4 (as the workbook's table), not 14.399999999999999.
  return Math.round(((rule.budgetShare * objective.windowDays * 24 * 60) / rule.longMinutes) * 1e6) / 1e6;
}

export interface BurnEvaluation {
  readonly rule: BurnRule;
  readonly threshold: number;
  readonly longBurn: number;
  readonly shortBurn: number;
  /** Both windows burn at or above the threshold. */
  readonly firing: boolean;
}

/**
 * Samples are one list for every window, or a choice per window length (the evaluator reads single
 * runs for the short windows and hourly rollups for the long ones).
 */
export function evaluateBurn(
  objective: SloObjective,
  samples: readonly SloSample[] | ((windowMinutes: number) => readonly SloSample[]),
  now: Date,
  rules: readonly BurnRule[] = BURN_RULES,
): BurnEvaluation[] {
  const pick = typeof samples === 'function' ? samples : () => samples;
  const burnOver = (minutes: number) =>
    burnRate(objective, countsInWindow(pick(minutes), minutesBefore(now, minutes), now));
  return rules.map((rule) => {
    const threshold = burnThreshold(rule, objective);
    const longBurn = burnOver(rule.longMinutes);
    const shortBurn = burnOver(rule.shortMinutes);
    return { rule, threshold, longBurn, shortBurn, firing: longBurn >= threshold && shortBurn >= threshold };
  });
}

function minutesBefore(at: Date, minutes: number): Date {
  return new Date(at.getTime() - minutes * 60_000);
}

/** What a burn notification tells (the notify feature turns it into an slo.burn event). */
export interface SloBurnNotice {
  readonly kind: 'fired' | 'resolved';
  readonly rule: BurnRule['name'];
  readonly severity: BurnRule['severity'];
  /** The episode's start (ISO); with rule and kind it names the notice. */
  readonly since: string;
  readonly at: string;
  readonly longBurn: number;
  readonly shortBurn: number;
  readonly threshold: number;
  readonly longMinutes: number;
  readonly shortMinutes: number;
  readonly availability: number;
  readonly windowDays: number;
}

/** An alert's stored episode: when it started firing, or null while quiet. */
export interface BurnAlertState {
  readonly firingSince: string | null;
}

export type BurnNotice =
  | { readonly kind: 'fired'; readonly since: string }
  | { readonly kind: 'resolved'; readonly since: string };

/**
 * One notice per episode: `fired` when a quiet alert starts firing, `resolved` when a firing one
 * stops; nothing while it stays as it was. The episode's start names both notices, so a repeated
 * evaluation (a retried timer) yields the same event ids and is delivered once.
 */
export function nextBurnState(
  previous: BurnAlertState,
  firing: boolean,
  now: Date,
): { readonly state: BurnAlertState; readonly notice: BurnNotice | null } {
  if (firing && previous.firingSince === null) {
    const since = now.toISOString();
    return { state: { firingSince: since }, notice: { kind: 'fired', since } };
  }
  if (!firing && previous.firingSince !== null) {
    return { state: { firingSince: null }, notice: { kind: 'resolved', since: previous.firingSince } };
  }
  return { state: previous, notice: null };
}
