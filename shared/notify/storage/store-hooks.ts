/*
 * The notification side of the transactional outbox: the ports that the audit, drift, exposure and
 * probe-event stores declare (so they put notifications in their own transactions without
 * knowing this feature), implemented over the notifier, and the reconcile-failure notice that has
 * no store row of its own. The composition root hands the ports to the stores; null when
 * NOTIFY_WEBHOOKS is unset.
 */
import { type AuditEntry, entryId } from '../../approval/core/audit-entry';
import type { DriftRecord } from '../../approval/core/drift-record';
import type { ExposureChange } from '../../approval/core/exposure-audit';
import type { AuditOutbox } from '../../approval/storage/audit-store';
import type { DriftOutbox } from '../../approval/storage/drift';
import type { ExposureOutbox } from '../../approval/storage/exposure-store';
import type { Clock } from '../../clock';
import type { CertNotice } from '../../probe/core/cert-expiry';
import type { SloBurnNotice } from '../../probe/core/slo';
import type { TargetWhere, Transition } from '../../probe/core/target-state';
import type { ProbeEventOutbox } from '../../probe/storage/events';
import type { EntryStaging, PartitionStaging } from '../../storage/outbox-staging';
import { dayKey, keySafe } from '../../storage/table-keys';
import type { TableSource } from '../../storage/table-source';
import {
  eventFromAudit,
  eventFromBurn,
  eventFromCertNotice,
  eventFromDrift,
  eventFromExposure,
  eventFromTransition,
  reconcileFailedEvent,
} from '../core/event-builders';
import type { NotifyEvent } from '../core/notify-events';
import { Notifier, type Staged } from './notifier';
import { NOTIFY_TABLES } from './notify-tables';

/**
 * The outbox ports of the audit, drift and probe-event stores, implemented over the notifier: each
 * stage returns null when nothing is worth telling, so the store's path is then unchanged.
 */
export class NotificationOutbox implements AuditOutbox, DriftOutbox, ExposureOutbox, ProbeEventOutbox {
  constructor(private readonly notifier: Notifier) {}

  /** Audit: outbox rows go with the `AuditByTime` rows (same day partition, same transaction). */
  stageAudit(entries: readonly AuditEntry[]): EntryStaging | null {
    const notifier = this.notifier;
    const staged = entries.flatMap((entry) => {
      const batch = notifier.stage([eventFromAudit(entry)], dayKey(entry.at));
      return batch.rows.length === 0 ? [] : [{ id: entryId(entry), batch }];
    });
    if (staged.length === 0) return null;
    return {
      rows: staged.flatMap((s) => s.batch.rows.map((row) => ({ id: s.id, entity: { ...row } }))),
      async publish(table, failed) {
        await Promise.all(
          staged.filter((s) => !failed.has(s.id)).map((s) => notifier.publish(s.batch, table)),
        );
      },
    };
  }

  /** Drift: outbox rows go into the drift day's transaction. */
  stageDrift(records: readonly DriftRecord[]): PartitionStaging | null {
    const byDay = new Map<string, Staged>();
    for (const r of records) {
      const batch = this.notifier.stage([eventFromDrift(r)], dayKey(r.at));
      if (batch.rows.length === 0) continue;
      const known = byDay.get(dayKey(r.at));
      byDay.set(
        dayKey(r.at),
        known === undefined
          ? batch
          : { rows: [...known.rows, ...batch.rows], events: [...known.events, ...batch.events] },
      );
    }
    return byDay.size === 0 ? null : this.partitioned(byDay);
  }

  /** Exposure announcements: the outbox rows go into the `Exposure` row's transaction (one partition). */
  stageExposure(partitionKey: string, changes: readonly ExposureChange[]): PartitionStaging | null {
    const staged = this.notifier.stage(changes.map(eventFromExposure), partitionKey);
    return staged.rows.length === 0 ? null : this.partitioned(new Map([[partitionKey, staged]]));
  }

  /** Probe state change: the outbox row goes into the event's partition (the target), in one transaction with it. */
  stageTransition(
    targetId: string,
    displayName: string,
    transition: Transition,
    where?: TargetWhere,
  ): PartitionStaging | null {
    return this.stageInTargetPartition(
      targetId,
      eventFromTransition(targetId, displayName, transition, where),
    );
  }

  /** Certificate notice: the outbox row goes into the target's partition, beside the notice's marker row. */
  stageCertNotice(notice: CertNotice, displayName: string, where?: TargetWhere): PartitionStaging | null {
    return this.stageInTargetPartition(notice.targetId, eventFromCertNotice(notice, displayName, where));
  }

  /** SLO burn: the outbox row goes into the target's partition of the rollups table, with the alert's state row. */
  stageBurn(targetId: string, displayName: string, burn: SloBurnNotice): PartitionStaging | null {
    return this.stageInTargetPartition(targetId, eventFromBurn(targetId, displayName, burn));
  }

  /** One event staged in the target's partition, so it commits with the marker or state row kept there. */
  private stageInTargetPartition(targetId: string, event: NotifyEvent | null): PartitionStaging | null {
    const pk = keySafe(targetId);
    const staged = this.notifier.stage([event], pk);
    return staged.rows.length === 0 ? null : this.partitioned(new Map([[pk, staged]]));
  }

  private partitioned(byPartition: ReadonlyMap<string, Staged>): PartitionStaging {
    const notifier = this.notifier;
    return {
      actionsFor: (pk) => {
        const staged = byPartition.get(pk);
        return staged === undefined ? [] : Notifier.actions(staged, 'upsert');
      },
      async publish(table) {
        await Promise.all([...byPartition.values()].map((s) => notifier.publish(s, table)));
      },
    };
  }
}

/** What the hooks need from the composition root: the notifier, which is null when nothing is configured. */
export interface NotifierSource {
  notifier(): Promise<Notifier | null>;
}

/** A PLS the reconciliation could not do has no row of its own: its outbox row is the record (one per PLS and hour). */
export async function notifyReconcileFailures(
  container: NotifierSource & TableSource & { readonly clock: Clock },
  failures: readonly { readonly plsId: string; readonly code: string }[],
): Promise<void> {
  if (failures.length === 0) return;
  const now = container.clock.now();
  try {
    // Inside the try: notifications switched off by invalid settings must not fail the timer run.
    const notifier = await container.notifier();
    if (notifier === null) return;
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
