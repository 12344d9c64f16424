import type { TableClient } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import type { ConnectionRecord } from '../../approval/core/connection-record';
import type { Clock } from '../../clock';
import { type Log, logEvent } from '../../log';
import { connectionKey, dayKey, plsKey } from '../../storage/table-keys';
import { type PendingConnection, reminderEvent, reminderPeriod } from '../core/event-builders';
import { OUTBOX_RANGE, parseOutboxRow } from '../core/outbox-rows';
import { Notifier } from '../storage/notifier';

/**
 * The sweeper (timer): (1) enqueues outbox rows that a crash, a queue outage or a lost response
 * left behind (older than a grace period, so it does not race the writer that is about to publish
 * them; a duplicate is harmless, deliveries are de-duplicated); (2) sends `connection.reminder`
 * for connections still Pending for a person, once per period: the period's marker row and its
 * outbox row are created in one transaction, so a reminder is staged exactly once per period.
 */
export interface OutboxLocation {
  readonly table: () => Promise<TableClient>;
  readonly partitionKey: string;
}

export interface SweepDependencies {
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly locations: readonly OutboxLocation[];
  /** Reminders: the provider's PLS list, its connection records, and the reminders table; empty on a consumer app. */
  readonly plsIds: readonly string[];
  readonly records: (plsId: string) => Promise<ReadonlyMap<string, ConnectionRecord>>;
  readonly reminders: () => Promise<TableClient>;
  readonly reminderHours: number;
  readonly graceMs: number;
  readonly log: Log;
}

export interface SweepSummary {
  readonly found: number;
  readonly enqueued: number;
  readonly reminders: number;
  readonly failedLocations: number;
}

export async function sweepOutbox(deps: SweepDependencies): Promise<SweepSummary> {
  let reminders = 0;
  for (const plsId of deps.plsIds) {
    try {
      reminders += await stageReminders(deps, plsId);
    } catch {
      logEvent(deps.log, { event: 'notify.reminders_failed', pls: plsId });
    }
  }
  let found = 0;
  let enqueued = 0;
  let failedLocations = 0;
  const cutoff = deps.clock.now().getTime() - deps.graceMs;
  for (const location of deps.locations) {
    try {
      const table = await location.table();
      const filter = odata`PartitionKey eq ${location.partitionKey} and RowKey ge ${OUTBOX_RANGE.from} and RowKey lt ${OUTBOX_RANGE.to}`;
      for await (const row of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
        const staged = typeof row.notifyStagedAt === 'string' ? Date.parse(row.notifyStagedAt) : 0;
        if (staged > cutoff) continue;
        const parsed = parseOutboxRow(row);
        if (parsed === null) continue;
        found++;
        const rows = [
          {
            partitionKey: location.partitionKey,
            rowKey: String(row.rowKey),
            notifyEvent: '',
            notifyTargets: '',
            notifyStagedAt: '',
          },
        ];
        enqueued += await deps.notifier.publish({ rows, events: [parsed] }, table);
      }
    } catch {
      failedLocations++;
    }
  }
  const summary = { found, enqueued, reminders, failedLocations };
  logEvent(deps.log, { event: 'notify.sweep', ...summary });
  return summary;
}

async function stageReminders(deps: SweepDependencies, plsId: string): Promise<number> {
  const records = await deps.records(plsId);
  const now = deps.clock.now();
  const table = await deps.reminders();
  let staged = 0;
  for (const s of records.values()) {
    if (s.status !== 'Pending' || s.verdict?.action !== 'manual') continue;
    const pending: PendingConnection = {
      plsId,
      connectionId: s.connectionId,
      connectionName: s.connectionName,
      privateEndpointId: s.privateEndpointId,
      consumerSubscriptionId: s.consumerSubscriptionId,
      consumerTenantId: s.consumerTenantId,
      requestMessage: s.requestMessage,
      reason: s.verdict.reason,
      rule: s.verdict.rule,
      since: new Date(s.firstSeenAt),
    };
    const period = reminderPeriod(pending.since, now, deps.reminderHours);
    if (period < 1) continue;
    const event = reminderEvent(pending, period, deps.reminderHours);
    const batch = deps.notifier.stage([event], plsKey(plsId));
    if (batch.rows.length === 0) continue;
    const marker = {
      partitionKey: plsKey(plsId),
      rowKey: `${connectionKey(s.connectionName)}|${pending.since.getTime()}|${period}`,
      at: now.toISOString(),
    };
    try {
      await table.submitTransaction([['create', marker], ...Notifier.actions(batch, 'create')]);
    } catch (error) {
      // 409: this period's reminder was staged already (by an earlier run or another instance).
      if (isConflict(error)) continue;
      throw error;
    }
    staged++;
    await deps.notifier.publish(batch, table);
  }
  return staged;
}

function isConflict(error: unknown): boolean {
  const e = error as { statusCode?: number; code?: string };
  return e.statusCode === 409 || e.code === 'EntityAlreadyExists';
}

/** The outbox locations worth sweeping now: today's and yesterday's day partitions, each PLS, each probe target. */
export function dayPartitions(now: Date): string[] {
  return [dayKey(now), dayKey(new Date(now.getTime() - 86_400_000))];
}
