/*
 * Burn-rate alerts of one target's objective, evaluated after each of its runs is recorded: the
 * multi-window rules of ../core/slo.ts over its recent runs (windows up to 30 minutes) and hourly
 * rollups (longer windows), and one slo.burn notice when a rule starts or stops firing. A target
 * without `slo` costs nothing here.
 */
import type { Clock } from '../../clock';
import { isAppError } from '../../errors';
import type { Log } from '../../log';
import { startOfUtcHour } from '../../storage/table-keys';
import type { TableSource } from '../../storage/table-source';
import {
  BURN_RULES,
  type BurnEvaluation,
  countsOfRollup,
  countsOfRun,
  evaluateBurn,
  nextBurnState,
  type SloSample,
} from '../core/slo';
import type { ProbeTarget } from '../core/types';
import type { ProbeOutboxSource } from '../storage/events';
import { readRollups } from '../storage/rollups';
import { readBurnStates, readRecentRuns, writeBurnState } from '../storage/slo-alerts';

/** Windows up to this long are judged run by run; longer ones from hourly rollups. */
export const RUN_WINDOW_MAX_MINUTES = 30;
const HOUR_MS = 3_600_000;

export type BurnTarget = Pick<ProbeTarget, 'id' | 'displayName' | 'slo'>;

/** Evaluates and stores; returns the notices told (fired/resolved per rule). */
export async function evaluateSloBurn(
  container: TableSource & ProbeOutboxSource & { readonly clock: Clock },
  target: BurnTarget,
): Promise<string[]> {
  const objective = target.slo;
  if (objective === undefined) return [];
  const now = container.clock.now();
  const [samples, states] = await Promise.all([
    readBurnSamples(container, target.id, now),
    readBurnStates(container, target.id),
  ]);
  const evaluations = evaluateBurn(objective, samples, now);
  const outbox = await container.outbox();
  const told: string[] = [];
  for (const evaluation of evaluations) {
    const name = evaluation.rule.name;
    const previous = states.get(name) ?? { firingSince: null, etag: undefined };
    const { state, notice } = nextBurnState(previous, evaluation.firing, now);
    if (notice === null) continue;
    const staged =
      outbox?.stageBurn(target.id, target.displayName, {
        ...notice,
        rule: name,
        severity: evaluation.rule.severity,
        at: now.toISOString(),
        ...figures(evaluation),
        availability: objective.availability,
        windowDays: objective.windowDays,
      }) ?? null;
    await writeBurnState(container, target.id, name, state, previous.etag, staged);
    told.push(`${name}:${notice.kind}`);
  }
  return told;
}

/**
 * What the burn rules read at `now`: the recent runs for windows up to RUN_WINDOW_MAX_MINUTES, the
 * hourly rollups for longer ones (also what the summary shows as the current burn rates).
 */
export async function readBurnSamples(
  container: TableSource,
  targetId: string,
  now: Date,
): Promise<(windowMinutes: number) => readonly SloSample[]> {
  const longest = Math.max(...BURN_RULES.map((r) => r.longMinutes));
  const [runs, hours] = await Promise.all([
    readRecentRuns(container, targetId, new Date(now.getTime() - RUN_WINDOW_MAX_MINUTES * 60_000), now),
    readRollups(
      container,
      targetId,
      'hour',
      new Date(startOfUtcHour(now).getTime() - longest * 60_000),
      new Date(startOfUtcHour(now).getTime() + HOUR_MS),
    ),
  ]);
  const runSamples: SloSample[] = runs.map((r) => ({
    start: r.scheduledAt,
    end: r.scheduledAt,
    counts: countsOfRun(r),
  }));
  // The current hour is only partly over: its rollup covers [start, now], not a whole hour.
  const hourSamples: SloSample[] = hours.map((h) => ({
    start: h.periodStart,
    end: new Date(Math.min(h.periodStart.getTime() + HOUR_MS, now.getTime())),
    counts: countsOfRollup(h.rollup, undefined),
  }));
  return (minutes) => (minutes <= RUN_WINDOW_MAX_MINUTES ? runSamples : hourSamples);
}

function figures(e: BurnEvaluation) {
  return {
    longBurn: e.longBurn,
    shortBurn: e.shortBurn,
    threshold: e.threshold,
    longMinutes: e.rule.longMinutes,
    shortMinutes: e.rule.shortMinutes,
  };
}

/** After a run is recorded: never fails the run; a conflict means another instance told it. */
export async function evaluateSloBurnQuietly(
  container: TableSource & ProbeOutboxSource & { readonly clock: Clock },
  target: BurnTarget,
  log: Log,
): Promise<void> {
  if (target.slo === undefined) return;
  try {
    const told = await evaluateSloBurn(container, target);
    if (told.length > 0) log.info(JSON.stringify({ event: 'probe.slo.burn', targetId: target.id, told }));
  } catch (error) {
    const code = isAppError(error) ? error.code : 'internal';
    log.warn(JSON.stringify({ event: 'probe.slo.burnFailed', targetId: target.id, code }));
  }
}
