/*
 * The one call each store makes to put its notifications in its own batch. Each returns null when
 * notifications are off (no notifier) or nothing is worth telling, so the stores' paths are
 * unchanged then. Kept here, not in the stores, so the stores can change shape around one call.
 */
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { type AuditEntry, entryId } from '../../approval/core/audit-entry';
import type { DriftRecord } from '../../approval/core/drift-record';
import type { Clock } from '../../clock';
import type { Transition } from '../../probe/core/target-state';
import { dayKey } from '../../storage/table-keys';
import type { TableSource } from '../../storage/table-source';
import {
  eventFromAudit,
  eventFromDrift,
  eventFromTransition,
  reconcileFailedEvent,
} from '../core/event-builders';
import { Notifier, type Staged } from './notifier';
import { NOTIFY_TABLES } from './notify-tables';

export interface AuditStaging {
  /** Outbox rows for the by-time table, each reported under its audit entry's id (a failed row fails its entry). */
  readonly rows: readonly {
    readonly id: string;
    readonly entity: { partitionKey: string; rowKey: string };
  }[];
  /** Enqueues the events of entries that were stored; never throws. */
  publish(table: TableClient, failed: ReadonlySet<string>): Promise<void>;
}

/** Audit: outbox rows go with the `AuditByTime` rows (same day partition, same transaction). */
export function stageAuditNotifications(
  notifier: Notifier | null | undefined,
  entries: readonly AuditEntry[],
): AuditStaging | null {
  if (notifier === null || notifier === undefined) return null;
  const staged = entries.flatMap((entry) => {
    const batch = notifier.stage([eventFromAudit(entry)], dayKey(entry.at));
    return batch.rows.length === 0 ? [] : [{ id: entryId(entry), batch }];
  });
  if (staged.length === 0) return null;
  return {
    rows: staged.flatMap((s) => s.batch.rows.map((row) => ({ id: s.id, entity: { ...row } }))),
    async publish(table, failed) {
      await Promise.all(staged.filter((s) => !failed.has(s.id)).map((s) => notifier.publish(s.batch, table)));
    },
  };
}

export interface BatchStaging {
  /** Actions to add to the partition's transaction. */
  actionsFor(partitionKey: string): TransactionAction[];
  publish(table: TableClient): Promise<void>;
}

/** Drift: outbox rows go into the drift day's transaction. */
export function stageDriftNotifications(
  notifier: Notifier | null | undefined,
  records: readonly DriftRecord[],
): BatchStaging | null {
  if (notifier === null || notifier === undefined) return null;
  const byDay = new Map<string, Staged>();
  for (const r of records) {
    const batch = notifier.stage([eventFromDrift(r)], dayKey(r.at));
    if (batch.rows.length === 0) continue;
    const known = byDay.get(dayKey(r.at));
    byDay.set(
      dayKey(r.at),
      known === undefined
        ? batch
        : { rows: [...known.rows, ...batch.rows], events: [...known.events, ...batch.events] },
    );
  }
  if (byDay.size === 0) return null;
  return {
    actionsFor: (pk) => {
      const staged = byDay.get(pk);
      return staged === undefined ? [] : Notifier.actions(staged, 'upsert');
    },
    async publish(table) {
      await Promise.all([...byDay.values()].map((s) => notifier.publish(s, table)));
    },
  };
}

/** What the hooks need from the composition root: the notifier, which is null when nothing is configured. */
export interface NotifierSource {
  notifier(): Promise<Notifier | null>;
}

/** Probe state change: the outbox row goes into the event's partition (the target), in one transaction with it. */
export async function stageProbeNotification(
  container: NotifierSource,
  targetId: string,
  displayName: string,
  transition: Transition,
  partitionKey: string,
): Promise<{ readonly actions: TransactionAction[]; publish(table: TableClient): Promise<void> } | null> {
  const notifier = await container.notifier();
  if (notifier === null) return null;
  const staged = notifier.stage([eventFromTransition(targetId, displayName, transition)], partitionKey);
  if (staged.rows.length === 0) return null;
  return {
    actions: Notifier.actions(staged, 'upsert'),
    publish: async (table) => {
      await notifier.publish(staged, table);
    },
  };
}

/** A PLS the reconciliation could not do has no row of its own: its outbox row is the record (one per PLS and hour). */
export async function notifyReconcileFailures(
  container: NotifierSource & TableSource & { readonly clock: Clock },
  failures: readonly { readonly plsId: string; readonly code: string }[],
): Promise<void> {
  if (failures.length === 0) return;
  const notifier = await container.notifier();
  if (notifier === null) return;
  const now = container.clock.now();
  try {
    const table = await container.table(NOTIFY_TABLES.outbox);
    const staged = notifier.stage(
      failures.map((f) => reconcileFailedEvent(f.plsId, f.code, now)),
      dayKey(now),
    );
    if (staged.rows.length === 0) return;
    await table.submitTransaction(Notifier.actions(staged, 'upsert'));
    await notifier.publish(staged, table);
  } catch {
    // The timer's own failed-PLS log line stays the record; the next failing run tries again.
  }
}
