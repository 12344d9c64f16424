/*
 * What a status board needs per target, from the latest rows and the rollups only (never raw
 * rows): two range queries per target (hourly for 24 h, daily for 30 d), all targets at once.
 *
 * Windows: "24 h" is the last 24 hourly rollups including the current, partial hour; "7 d" and
 * "30 d" are the last 7 / 30 daily rollups including today (UTC). Availability excludes
 * maintenance; null means no judged run in the window.
 */
import type { Clock } from '../../clock';
import type { Config } from '../../config/config';
import { addDays, startOfUtcDay, startOfUtcHour } from '../../storage/table-keys';
import type { TableSource } from '../../storage/table-source';
import type { ProbesSummary, TargetCondition, TargetSummary } from '../core/probe-summary-types';
import { availability, emptyRollup, mergeRollups, metricPercentile, type Rollup } from '../core/rollup';
import { countsOfRollup, errorBudget, evaluateBurn } from '../core/slo';
import type { SloObjective } from '../core/types';
import { type LatestView, readAllLatest } from '../storage/latest';
import { readRollups } from '../storage/rollups';
import { readBurnStates } from '../storage/slo-alerts';
import { readBurnSamples } from './slo-burn';

export type { ProbesSummary, TargetSummary } from '../core/probe-summary-types';

export async function summariseProbes(
  container: TableSource & { readonly clock: Clock },
  objectives: ReadonlyMap<string, SloObjective> = new Map(),
): Promise<ProbesSummary> {
  const now = container.clock.now();
  const latest = await readAllLatest(container);
  const targets = await Promise.all(
    latest.map((view) => summariseTarget(container, view, now, objectives.get(view.targetId))),
  );
  targets.sort((a, b) => a.id.localeCompare(b.id));
  return { generatedAt: now.toISOString(), targets };
}

/** The summary with each target's configured objective (what the summary route and a metrics scrape read). */
export async function summariseProbesWithObjectives(
  container: TableSource & { readonly clock: Clock; readonly config: Config; readonly appRoot: string },
): Promise<ProbesSummary> {
  return summariseProbes(container, await sloObjectives(container));
}

async function summariseTarget(
  container: TableSource & { readonly clock: Clock },
  view: LatestView,
  now: Date,
  objective: SloObjective | undefined,
): Promise<TargetSummary> {
  const hourEnd = new Date(startOfUtcHour(now).getTime() + 3_600_000);
  const dayEnd = addDays(startOfUtcDay(now), 1);
  // One daily read serves both the 30-day figures and an objective's window (up to 90 days).
  const dayCount = Math.max(30, objective?.windowDays ?? 0);
  const [hours, days, burn] = await Promise.all([
    readRollups(container, view.targetId, 'hour', new Date(hourEnd.getTime() - 24 * 3_600_000), hourEnd),
    readRollups(container, view.targetId, 'day', addDays(dayEnd, -dayCount), dayEnd),
    objective === undefined ? undefined : burnNow(container, view.targetId, objective, now),
  ]);
  const last24h = mergeRollups(hours.map((h) => h.rollup));
  const since = (n: number) =>
    mergeRollups(
      days.filter((d) => d.periodStart.getTime() >= addDays(dayEnd, -n).getTime()).map((d) => d.rollup),
    );
  return {
    id: view.targetId,
    displayName: view.displayName,
    url: view.url,
    state: view.record.state,
    condition: conditionOf(view),
    since: view.record.since,
    consecutiveFailures: view.record.consecutiveFailures,
    consecutiveSuccesses: view.record.consecutiveSuccesses,
    lastResult: {
      status: view.last.status,
      class: view.last.failureClass,
      phase: view.last.phase,
      code: view.last.code,
      statusCode: view.last.statusCode,
      totalMs: view.last.totalMs,
      at: view.last.at,
      reason: view.last.reason,
      inMaintenance: view.last.inMaintenance,
      connectionState: view.last.connectionState,
    },
    availability: { h24: ratio(last24h), d7: ratio(since(7)), d30: ratio(since(30)) },
    latency24h: {
      p50Ms: round(metricPercentile(last24h, 'total', 0.5)),
      p95Ms: round(metricPercentile(last24h, 'total', 0.95)),
      maxMs: last24h.metrics.total.n > 0 ? round(last24h.metrics.total.maxMs) : null,
      samples: last24h.metrics.total.n,
    },
    runs24h: runCounts(last24h),
    history24h: Array.from({ length: 24 }, (_, i) => {
      const start = new Date(hourEnd.getTime() - (24 - i) * 3_600_000);
      const hour = hours.find((h) => h.periodStart.getTime() === start.getTime());
      return { start: start.toISOString(), ...runCounts(hour?.rollup ?? emptyRollup()) };
    }),
    certificateDaysLeft: view.certificate.daysLeft,
    certificateNotAfter: view.certificate.notAfter,
    ...(objective === undefined || burn === undefined
      ? {}
      : { budget: budgetOf(objective, since(objective.windowDays), burn) }),
  };
}

type TargetBudget = NonNullable<TargetSummary['budget']>;

function budgetOf(objective: SloObjective, window: Rollup, burn: TargetBudget['burn']): TargetBudget {
  const counts = countsOfRollup(window, objective.latencyMs);
  const budget = errorBudget(objective, counts);
  return {
    windowDays: objective.windowDays,
    usedPercent: percentOf(budget.budgetUsed),
    remainingPercent: percentOf(budget.budgetRemaining),
    objective: {
      availabilityPercent: objective.availability,
      latencyMs: objective.latencyMs ?? null,
      latencyTargetPercent: objective.latencyTarget,
    },
    availabilityPercent: percentOf(budget.availability),
    objectiveMet: budget.objectiveMet,
    runs: {
      counted: counts.counted,
      down: counts.bad,
      allowedDown: Math.round(budget.allowedBad * 1_000) / 1_000,
      maintenance: counts.maintenance,
      notApproved: counts.notApproved,
      excludedPercent:
        window.count === 0 ? null : percentOf((counts.maintenance + counts.notApproved) / window.count),
    },
    latency: {
      withinObjectivePercent: percentOf(budget.latencyAttainment),
      objectiveMet: budget.latencyObjectiveMet,
    },
    burn,
  };
}

/** A share as a percentage with three decimals; null for none or an infinite share (JSON has no Infinity). */
function percentOf(v: number | null): number | null {
  return v === null || !Number.isFinite(v) ? null : Math.round(v * 100_000) / 1_000;
}

/**
 * The burn-rate rules evaluated now, on the samples the alert evaluator reads (slo-burn.ts), with
 * the episode the notifications told: four partition-scoped reads, only for targets with `slo`.
 */
async function burnNow(
  container: TableSource,
  targetId: string,
  objective: SloObjective,
  now: Date,
): Promise<TargetBudget['burn']> {
  // At the start of the minute (the probe's own period): the windows' edges cut hourly rollups in
  // proportion, so an evaluation every poll would move the figures, and the summary's ETag, by the second.
  const at = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const [samples, states] = await Promise.all([
    readBurnSamples(container, targetId, at),
    readBurnStates(container, targetId),
  ]);
  const finite = (v: number) => (Number.isFinite(v) ? Math.round(v * 1_000) / 1_000 : null);
  return evaluateBurn(objective, samples, at).map((e) => ({
    rule: e.rule.name,
    severity: e.rule.severity,
    threshold: e.threshold,
    longMinutes: e.rule.longMinutes,
    shortMinutes: e.rule.shortMinutes,
    longBurn: finite(e.longBurn),
    shortBurn: finite(e.shortBurn),
    firing: e.firing,
    alertSince: states.get(e.rule.name)?.firingSince ?? null,
  }));
}

/** The configured objectives by target id; none when the targets file cannot be read (the summary still answers). */
export async function sloObjectives(container: {
  readonly config: Config;
  readonly appRoot: string;
}): Promise<Map<string, SloObjective>> {
  try {
    const { loadProbeTargets } = await import('../adapters/targets');
    const targets = (await loadProbeTargets(container.config.probe.targetsSource, container.appRoot)).value;
    return new Map(targets.flatMap((t) => (t.slo === undefined ? [] : [[t.id, t.slo] as const])));
  } catch {
    return new Map();
  }
}

function runCounts(rollup: Rollup) {
  const { count, up, degraded, down, maintenance, notApproved } = rollup;
  return { count, up, degraded, down, maintenance, notApproved };
}

/** The state as a person reads it (probe-summary-types.ts TARGET_CONDITIONS). */
export function conditionOf(view: Pick<LatestView, 'last' | 'record'>): TargetCondition {
  if (view.last.inMaintenance) return 'maintenance';
  const { state, awaitingConnection } = view.record;
  if (state === 'DOWN' && awaitingConnection !== null)
    return awaitingConnection === 'Pending'
      ? 'awaiting-approval'
      : awaitingConnection === 'Rejected'
        ? 'rejected'
        : 'not-connected';
  return state === 'UP' ? 'up' : state === 'DEGRADED' ? 'degraded' : state === 'DOWN' ? 'down' : 'unknown';
}

function ratio(rollup: Rollup): number | null {
  const value = availability(rollup);
  return value === null ? null : Math.round(value * 1_000_000) / 1_000_000;
}

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}
