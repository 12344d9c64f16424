import type { TableEntity } from '@azure/data-tables';
import type { Container } from '../../composition-root';
import { stageProbeNotification } from '../../notify/store-hooks';
import type { ResultSummary, Transition } from '../target-state';
import { asIso, compact, invertedTicks, keySafe, PROBE_TABLES, runHash } from './keys';
import { storageError } from './storage-errors';

/**
 * State-change events: partition = target id, row key `{invertedTicks(at)}_{runHash}`, newest
 * first. The key derives from the run that caused the change, so writing an event twice (a
 * retried run) overwrites it.
 */

export function eventRowKey(transition: Pick<Transition, 'at' | 'runId'>): string {
  return `${invertedTicks(new Date(transition.at))}_${runHash(transition.runId)}`;
}

export function eventEntity(targetId: string, displayName: string, transition: Transition): TableEntity {
  return compact({
    partitionKey: keySafe(targetId),
    rowKey: eventRowKey(transition),
    targetId,
    displayName,
    at: new Date(transition.at),
    fromState: transition.from,
    toState: transition.to,
    reason: transition.reason.slice(0, 1024),
    runId: transition.runId,
    connectionState: transition.connectionState,
    evidence: JSON.stringify(transition.evidence),
    evidenceCount: transition.evidence.length,
  });
}

export async function writeEvent(
  container: Container,
  targetId: string,
  displayName: string,
  transition: Transition,
): Promise<void> {
  const table = await container.table(PROBE_TABLES.events);
  const entity = eventEntity(targetId, displayName, transition);
  const notify = await stageProbeNotification(
    container,
    targetId,
    displayName,
    transition,
    entity.partitionKey,
  );
  try {
    if (notify === null) await table.upsertEntity(entity, 'Replace');
    else await table.submitTransaction([['upsert', entity, 'Replace'], ...notify.actions]);
  } catch (error) {
    throw storageError('writing a probe state-change event', error);
  }
  await notify?.publish(table);
}

export interface StoredEvent {
  readonly targetId: string;
  readonly at: string | null;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  readonly runId: string;
  readonly connectionState: string | null;
  readonly evidence: readonly ResultSummary[];
}

/** Newest events of a target (a partition read in key order, i.e. newest first). */
export async function readEvents(container: Container, targetId: string, limit = 50): Promise<StoredEvent[]> {
  const table = await container.table(PROBE_TABLES.events);
  const pk = keySafe(targetId).replaceAll("'", "''");
  const events: StoredEvent[] = [];
  try {
    // Outbox rows (`~notify|...`) share the partition; they are not events.
    for await (const e of table.listEntities({
      queryOptions: { filter: `PartitionKey eq '${pk}' and RowKey lt '~'` },
    })) {
      events.push({
        targetId,
        at: asIso(e.at),
        from: String(e.fromState),
        to: String(e.toState),
        reason: String(e.reason ?? ''),
        runId: String(e.runId ?? ''),
        connectionState: typeof e.connectionState === 'string' ? e.connectionState : null,
        evidence: typeof e.evidence === 'string' ? (JSON.parse(e.evidence) as ResultSummary[]) : [],
      });
      if (events.length >= limit) break;
    }
  } catch (error) {
    throw storageError('reading probe state-change events', error);
  }
  return events;
}
