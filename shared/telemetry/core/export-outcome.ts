/*
 * The last availability export outcome of this process, for the warning and the health report.
 * Kept in memory, not in a table: the probe timer that sends and the health route that reads run
 * in the same app, and on one instance they share it; on a scaled-out app another instance's health
 * shows its own last send (or none yet). A table write per probe run for this would cost more than
 * the warning it backs. Pure state: no I/O.
 */

export type ExportOutcome =
  | { readonly ok: true; readonly at: string }
  | { readonly ok: false; readonly at: string; readonly reason: string };

let last: ExportOutcome | undefined;

/**
 * Records an outcome; true when it is the first failure after a success (or after start), so the
 * caller warns once per failure streak instead of on every probe run.
 */
export function recordExportOutcome(outcome: ExportOutcome): boolean {
  const startsStreak = !outcome.ok && (last === undefined || last.ok);
  last = outcome;
  return startsStreak;
}

export function lastExportOutcome(): ExportOutcome | undefined {
  return last;
}
