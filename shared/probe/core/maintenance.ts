/*
 * Recurring maintenance windows: each window starts at every occurrence of its cron expression,
 * read as wall-clock time in its IANA zone (croner does the zone and DST arithmetic), and lasts
 * `durationMinutes` of elapsed time. So a 3-hour window starting 01:00 Europe/Berlin ends at 05:00
 * local on the spring-forward night (still 180 real minutes), and a start time that does not exist
 * that night (02:30) is moved to the first instant that does (03:30 CEST), as croner defines.
 */
import { Cron } from 'croner';
import type { MaintenanceWindow } from './types';

export function isInMaintenance(windows: readonly MaintenanceWindow[], at: Date): boolean {
  return windows.some((window) => activeWindowStart(window, at) !== null);
}

/**
 * The search starts an hour before (at - duration): croner reports a start that was moved by a
 * DST gap only when asked from before the gap, and no zone shifts its clocks by more than an hour.
 */
const DST_SHIFT_MS = 3_600_000;
const MAX_STEPS = 10_000;

/** The start of the window occurrence that covers `at`, or null when none does. */
export function activeWindowStart(window: MaintenanceWindow, at: Date): Date | null {
  const durationMs = window.durationMinutes * 60_000;
  if (durationMs <= 0) return null;
  const cron = new Cron(window.cron, { timezone: window.timeZone, paused: true });
  let latest: Date | null = null;
  let cursor: Date | null = new Date(at.getTime() - durationMs - DST_SHIFT_MS);
  for (let step = 0; step < MAX_STEPS; step++) {
    cursor = cron.nextRun(cursor);
    if (cursor === null || cursor.getTime() > at.getTime()) break;
    latest = cursor;
  }
  return latest !== null && at.getTime() < latest.getTime() + durationMs ? latest : null;
}
