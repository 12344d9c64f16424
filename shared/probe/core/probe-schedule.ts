/*
 * Reads the probe timer's NCRONTAB schedule (six fields, seconds first; croner reads it as the
 * host does, in UTC) to derive what the Timer object does not say: which occurrence this run
 * belongs to, how long the period is, and so how long the probes may take.
 */
import { Cron } from 'croner';
import { AppError } from '../../errors';

/** The probes must finish within this share of the period, leaving the rest for writes and the next tick. */
export const DEADLINE_SHARE = 0.8;
/** Cap under the Functions default timeout (5 min on Consumption), whatever the schedule. */
export const MAX_DEADLINE_MS = 240_000;
/** The host may fire a timer a little early; a start this close before an occurrence belongs to it. */
const EARLY_FIRE_TOLERANCE_MS = 1_000;

function cronOf(schedule: string): Cron {
  try {
    return new Cron(schedule, { paused: true, timezone: 'Etc/UTC' });
  } catch (error) {
    throw new AppError(
      'config_invalid',
      `The probe schedule "${schedule}" is not a valid NCRONTAB expression.`,
      {
        issues: [{ path: 'PROBE_SCHEDULE', message: 'expected a six-field NCRONTAB expression' }],
        cause: error,
      },
    );
  }
}

/** The shortest gap between the next few occurrences: the period a run must fit into. */
export function scheduleIntervalMs(schedule: string, from: Date): number {
  const runs = cronOf(schedule).nextRuns(8, from);
  let gap = Number.POSITIVE_INFINITY;
  for (let i = 1; i < runs.length; i++) {
    const previous = runs[i - 1];
    const current = runs[i];
    if (previous !== undefined && current !== undefined)
      gap = Math.min(gap, current.getTime() - previous.getTime());
  }
  if (!Number.isFinite(gap))
    throw new AppError('config_invalid', `The probe schedule "${schedule}" never repeats.`);
  return gap;
}

/** The longest gap among the next few occurrences, to know how far back the previous one can be. */
function longestGapMs(cron: Cron, from: Date): number {
  const runs = cron.nextRuns(8, from);
  let gap = 0;
  for (let i = 1; i < runs.length; i++) {
    const previous = runs[i - 1];
    const current = runs[i];
    if (previous !== undefined && current !== undefined)
      gap = Math.max(gap, current.getTime() - previous.getTime());
  }
  return gap;
}

/**
 * The occurrence a run started at `at` belongs to: the latest one at or before it. Deterministic
 * from the schedule, so a retried invocation of the same tick gets the same run ids.
 */
export function occurrenceAtOrBefore(schedule: string, at: Date): Date {
  const cron = cronOf(schedule);
  const limit = at.getTime() + EARLY_FIRE_TOLERANCE_MS;
  const lookBack = Math.max(2 * longestGapMs(cron, at), 60_000);
  let current = cron.nextRun(new Date(at.getTime() - lookBack));
  if (current === null || current.getTime() > limit) return new Date(Math.floor(at.getTime() / 1000) * 1000);
  for (;;) {
    const next = cron.nextRun(current);
    if (next === null || next.getTime() > limit) return current;
    current = next;
  }
}

export function probeDeadlineMs(intervalMs: number): number {
  return Math.max(1_000, Math.min(MAX_DEADLINE_MS, Math.floor(intervalMs * DEADLINE_SHARE)));
}
