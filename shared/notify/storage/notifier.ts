import type { TableClient, TransactionAction } from '@azure/data-tables';
import type { QueueClient } from '@azure/storage-queue';
import type { Clock } from '../../clock';
import type { WebhookTarget } from '../../config/notify-webhooks';
import { type Log, logEvent, silentLog } from '../../log';
import type { NotifyEvent } from '../core/notify-events';
import { deliveryKey, encodeDeliveryMessage, type OutboxRow, outboxRow } from '../core/outbox-rows';

/**
 * Staging and publishing notifications (I/O). A store that writes a causing row asks `stage` for
 * the outbox rows to write with it, writes them in the same transaction, then calls `publish`:
 * one queue message per event and webhook, then the outbox row is deleted. Publishing never
 * throws and never waits on a webhook: a failure leaves the outbox row for the sweeper.
 */
export interface Staged {
  readonly rows: readonly OutboxRow[];
  readonly events: readonly { readonly event: NotifyEvent; readonly targets: readonly string[] }[];
}

export class Notifier {
  constructor(
    readonly targets: readonly WebhookTarget[],
    private readonly queue: () => Promise<QueueClient>,
    private readonly clock: Clock,
    private readonly log: Log = silentLog,
  ) {}

  /** Outbox rows for the events some webhook wants, in the given partition. */
  stage(events: readonly (NotifyEvent | null)[], partitionKey: string): Staged {
    const now = this.clock.now();
    const out: { event: NotifyEvent; targets: string[] }[] = [];
    const seen = new Set<string>();
    for (const event of events) {
      if (event === null || seen.has(event.id)) continue;
      seen.add(event.id);
      const targets = this.targets.filter((t) => t.events.has(event.type)).map((t) => t.name);
      if (targets.length > 0) out.push({ event, targets });
    }
    return { rows: out.map((e) => outboxRow(partitionKey, e.event, e.targets, now)), events: out };
  }

  /** Transaction actions for staged rows (create: a replayed cause finds its row and falls back to row-by-row). */
  static actions(staged: Staged, mode: 'create' | 'upsert'): TransactionAction[] {
    return staged.rows.map(
      (r): TransactionAction => (mode === 'create' ? ['create', { ...r }] : ['upsert', { ...r }, 'Replace']),
    );
  }

  /** Enqueues every delivery of the staged events, then deletes their outbox rows. Never throws. */
  async publish(staged: Staged, table: TableClient): Promise<number> {
    let published = 0;
    await Promise.all(
      staged.events.map(async ({ event, targets }, i) => {
        const row = staged.rows[i];
        try {
          await this.enqueue(event, targets);
          if (row !== undefined) await deleteQuietly(table, row.partitionKey, row.rowKey);
          published++;
        } catch {
          logEvent(this.log, {
            level: 'warn',
            event: 'notify.publish_deferred',
            eventId: event.id,
            type: event.type,
          });
        }
      }),
    );
    return published;
  }

  /** One message per webhook; throws when one could not be sent (the caller keeps the outbox row). */
  async enqueue(
    event: NotifyEvent,
    targets: readonly string[],
    attempt = 1,
    delaySeconds = 0,
    incident?: number,
  ): Promise<void> {
    const queue = await this.queue();
    await Promise.all(
      targets.map((target) =>
        queue.sendMessage(
          encodeDeliveryMessage({
            v: 1,
            target,
            attempt,
            event,
            ...(incident === undefined ? {} : { incident }),
          }),
          {
            visibilityTimeout: delaySeconds,
            // Kept as long as the longest backoff chain can take; the default is 7 days.
            messageTimeToLive: 7 * 24 * 3600,
          },
        ),
      ),
    );
    logEvent(this.log, {
      event: 'notify.enqueued',
      eventId: event.id,
      type: event.type,
      targets: targets.map((t) => deliveryKey(event.id, t)),
    });
  }
}

async function deleteQuietly(table: TableClient, partitionKey: string, rowKey: string): Promise<void> {
  try {
    await table.deleteEntity(partitionKey, rowKey);
  } catch (error) {
    // Already deleted (a concurrent sweep) is what we wanted; anything else leaves it for the sweeper, which dedupes.
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
}
