/*
 * One row per timer run: partition `{yyyyMMdd}` (UTC day of the scheduled time), row key
 * `{invertedTicks(scheduledAt)}_{source}`, newest first. A dead probe shows as missing rows, a
 * late one as `delayMs`/`isPastDue`; a retried invocation of the same occurrence overwrites its row.
 */
import { asDate, compact } from '../../storage/entity-values';
import { storageError } from '../../storage/table-errors';
import { dayKey, invertedTicks } from '../../storage/table-keys';
import type { TableSource } from '../../storage/table-source';
import { PROBE_TABLES } from './probe-tables';

export interface RunLogEntry {
  readonly source: 'timer' | 'queue';
  readonly mode: 'inline' | 'queue';
  readonly scheduledAt: Date;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  /** How long the probing itself took (inline mode); the rest of the duration is writing. */
  readonly probeMs: number;
  readonly isPastDue: boolean;
  readonly lastScheduled: string | null;
  readonly nextScheduled: string | null;
  readonly deadlineMs: number;
  readonly concurrency: number;
  readonly targets: number;
  readonly enqueued: number;
  readonly up: number;
  readonly degraded: number;
  readonly down: number;
  readonly maintenance: number;
  readonly writeErrors: number;
  readonly stateChanges: number;
  readonly loadError: string | null;
}

export function runLogRowKey(scheduledAt: Date, source: RunLogEntry['source']): string {
  return `${invertedTicks(scheduledAt)}_${source}`;
}

export async function writeRunLog(container: TableSource, entry: RunLogEntry): Promise<void> {
  const table = await container.table(PROBE_TABLES.runs);
  try {
    await table.upsertEntity(
      compact({
        partitionKey: dayKey(entry.scheduledAt),
        rowKey: runLogRowKey(entry.scheduledAt, entry.source),
        ...entry,
        // The host's schedule status may be empty (first run, no monitor): kept only when it is a time.
        lastScheduled: asDate(entry.lastScheduled),
        nextScheduled: asDate(entry.nextScheduled),
        delayMs: entry.startedAt.getTime() - entry.scheduledAt.getTime(),
        durationMs: entry.finishedAt.getTime() - entry.startedAt.getTime(),
      }),
      'Replace',
    );
  } catch (error) {
    throw storageError('writing the probe run log', error);
  }
}
