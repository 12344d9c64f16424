/*
 * One row per timer run: partition `{yyyyMMdd}` (UTC day of the scheduled time), row key
 * `{invertedTicks(scheduledAt)}_{source}`, newest first. A dead probe shows as missing rows, a
 * late one as `delayMs`/`isPastDue`; a retried invocation of the same occurrence overwrites its row.
 */
import { odata } from '@azure/data-tables';
import { asDate, compact } from '../../storage/entity-values';
import { storageError } from '../../storage/table-errors';
import { addDays, dayKey, invertedTicks } from '../../storage/table-keys';
import type { TableSource } from '../../storage/table-source';
import type { LastRunFigures } from '../core/probe-metrics';
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

/**
 * The newest run's figures: the first row (newest first by row key) of today's partition, else
 * yesterday's (just after midnight); null when neither holds one (no run for a day: the scrape then
 * has no run figures, which an `absent()` alert sees).
 */
export async function readLatestRunLog(container: TableSource, now: Date): Promise<LastRunFigures | null> {
  const table = await container.table(PROBE_TABLES.runs);
  for (const day of [now, addDays(now, -1)]) {
    try {
      const pages = table
        .listEntities({ queryOptions: { filter: odata`PartitionKey eq ${dayKey(day)}` } })
        .byPage({
          maxPageSize: 1,
        });
      for await (const page of pages) {
        const entity = page[0];
        if (entity === undefined) break;
        return runFigures(entity);
      }
    } catch (error) {
      throw storageError('reading the probe run log', error);
    }
  }
  return null;
}

function runFigures(entity: Record<string, unknown>): LastRunFigures {
  const count = (value: unknown) =>
    typeof value === 'bigint'
      ? Number(value)
      : typeof value === 'number' && Number.isFinite(value)
        ? value
        : 0;
  return {
    finishedAt: asDate(entity.finishedAt) ?? new Date(0),
    durationMs: count(entity.durationMs),
    delayMs: count(entity.delayMs),
    targets: count(entity.targets),
    down: count(entity.down),
    writeErrors: count(entity.writeErrors),
    loadFailed: typeof entity.loadError === 'string' && entity.loadError !== '',
  };
}
