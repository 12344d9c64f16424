/*
 * State-change events: partition = target id, row key `{invertedTicks(at)}_{runHash}`, newest
 * first. The key derives from the run that caused the change, so writing an event twice (a
 * retried run) overwrites it.
 */
import type { TableEntity } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import { asIso, compact } from '../../storage/entity-values';
import type { PartitionStaging } from '../../storage/outbox-staging';
import { storageError } from '../../storage/table-errors';
import { invertedTicks, keySafe, runHash } from '../../storage/table-keys';
import type { TableSource } from '../../storage/table-source';
import type { CertNotice } from '../core/cert-expiry';
import type { ProbeEvent } from '../core/probe-event';
import type { SloBurnNotice } from '../core/slo';
import type { TargetWhere, Transition } from '../core/target-state';
import { PROBE_TABLES } from './probe-tables';

/** Where a state change's notification is staged, in the event's own transaction (the notification feature implements it). */
export interface ProbeEventOutbox {
  stageTransition(
    targetId: string,
    displayName: string,
    transition: Transition,
    where?: TargetWhere,
  ): PartitionStaging | null;
  /** A cert.expiring notice, in the target's partition (./cert-notices.ts adds the once-only marker). */
  stageCertNotice(notice: CertNotice, displayName: string, where?: TargetWhere): PartitionStaging | null;
  /** An slo.burn notice: its outbox row goes into the alert state row's partition (../use-cases/slo-burn.ts). */
  stageBurn(targetId: string, displayName: string, burn: SloBurnNotice): PartitionStaging | null;
}

/** The outbox port from the composition root; null when notifications are off. */
export interface ProbeOutboxSource {
  outbox(): Promise<ProbeEventOutbox | null>;
}

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
  container: TableSource & ProbeOutboxSource,
  targetId: string,
  displayName: string,
  transition: Transition,
  where?: TargetWhere,
): Promise<void> {
  const table = await container.table(PROBE_TABLES.events);
  const entity = eventEntity(targetId, displayName, transition);
  // The notification's outbox row shares the event's partition and transaction: both or neither.
  const notify =
    (await container.outbox())?.stageTransition(targetId, displayName, transition, where) ?? null;
  try {
    if (notify === null) await table.upsertEntity(entity, 'Replace');
    else
      await table.submitTransaction([
        ['upsert', entity, 'Replace'],
        ...notify.actionsFor(entity.partitionKey),
      ]);
  } catch (error) {
    throw storageError('writing a probe state-change event', error);
  }
  await notify?.publish(table);
}

export interface EventRange {
  /** Oldest and newest instant to include; absent bounds read the whole partition. */
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
  readonly limit: number;
}

/**
 * A target's events, newest first (its partition in key order). Reads one row more than `limit`,
 * so a caller merging several targets can tell that the range holds more.
 */
export async function readEvents(
  container: TableSource,
  targetId: string,
  range: EventRange = { limit: 50 },
): Promise<ProbeEvent[]> {
  const table = await container.table(PROBE_TABLES.events);
  const newest = range.to === undefined ? '' : `${invertedTicks(range.to)}_~`;
  const oldest = range.from === undefined ? '~' : `${invertedTicks(range.from)}_~`;
  const filter = odata`PartitionKey eq ${keySafe(targetId)} and RowKey gt ${newest} and RowKey lt ${oldest}`;
  const events: ProbeEvent[] = [];
  try {
    for await (const row of table.listEntities({ queryOptions: { filter } })) {
      const event = eventFromRow(row, targetId);
      if (event !== undefined) events.push(event);
      if (events.length > range.limit) break;
    }
  } catch (error) {
    throw storageError('reading probe state-change events', error);
  }
  return events;
}

function eventFromRow(row: Record<string, unknown>, targetId: string): ProbeEvent | undefined {
  const at = asIso(row.at);
  if (at === null) return undefined;
  return {
    targetId: typeof row.targetId === 'string' ? row.targetId : targetId,
    displayName: typeof row.displayName === 'string' ? row.displayName : null,
    at,
    from: String(row.fromState ?? ''),
    to: String(row.toState ?? ''),
    reason: String(row.reason ?? ''),
    runId: String(row.runId ?? ''),
    connectionState: typeof row.connectionState === 'string' ? row.connectionState : null,
    evidence: parseEvidence(row.evidence),
  };
}

/** Lenient: a malformed evidence column must not hide the event itself. */
function parseEvidence(value: unknown): ProbeEvent['evidence'] {
  if (typeof value !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? (parsed as ProbeEvent['evidence']) : [];
  } catch {
    return [];
  }
}
