import { z } from 'zod';
import { NOTIFY_EVENT_TYPES } from '../../config/notify-webhooks';
import type { NotifyEvent } from './notify-events';

/**
 * Outbox rows and delivery messages, pure. An outbox row lives in the same table and partition
 * as the row that causes it (and goes in the same transaction where the store batches), under a
 * RowKey prefix no reader's key range includes. It holds the event and the webhooks it is for;
 * it is deleted once every delivery message is enqueued, so whatever the sweeper still finds was
 * never enqueued.
 */
export const OUTBOX_PREFIX = '~notify|';
/** RowKey range of outbox rows (`|` is 0x7C, `}` follows it). */
export const OUTBOX_RANGE = { from: OUTBOX_PREFIX, to: '~notify}' } as const;

export interface OutboxRow {
  readonly partitionKey: string;
  readonly rowKey: string;
  readonly notifyEvent: string;
  readonly notifyTargets: string;
  readonly notifyStagedAt: string;
}

export function outboxRow(
  partitionKey: string,
  event: NotifyEvent,
  targets: readonly string[],
  now: Date,
): OutboxRow {
  return {
    partitionKey,
    rowKey: `${OUTBOX_PREFIX}${event.id}`,
    notifyEvent: JSON.stringify(event),
    notifyTargets: targets.join(','),
    notifyStagedAt: now.toISOString(),
  };
}

export const notifyEventSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{32}$/),
  type: z.enum(NOTIFY_EVENT_TYPES),
  at: z.string().max(64),
  subject: z.string().max(1024),
  facts: z.record(z.string(), z.union([z.string().max(8192), z.number()])),
});

/** The event and targets of a stored outbox row; null when the row is not one (or is corrupt). */
export function parseOutboxRow(
  row: Record<string, unknown>,
): { event: NotifyEvent; targets: string[] } | null {
  if (typeof row.notifyEvent !== 'string' || typeof row.notifyTargets !== 'string') return null;
  try {
    const event = notifyEventSchema.parse(JSON.parse(row.notifyEvent)) as NotifyEvent;
    return { event, targets: row.notifyTargets.split(',').filter((t) => t !== '') };
  } catch {
    return null;
  }
}

/** One queue message per event and webhook: the de-duplication key is `{event.id}.{target}`. */
export const deliveryMessageSchema = z.object({
  v: z.literal(1),
  target: z.string().min(1).max(64),
  attempt: z.number().int().min(1).max(1000),
  event: notifyEventSchema,
  /** Set on a held probe.down (./incidents.ts): when its incident opened; it is sent naming the members. */
  incident: z.number().int().nonnegative().optional(),
});
export interface DeliveryMessage {
  readonly v: 1;
  readonly target: string;
  /** The attempt this message is for (1 for the first). */
  readonly attempt: number;
  readonly event: NotifyEvent;
  readonly incident?: number | undefined;
}

export function encodeDeliveryMessage(message: DeliveryMessage): string {
  return Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
}

export function deliveryKey(eventIdValue: string, target: string): string {
  return `${eventIdValue}.${target.toLowerCase()}`;
}

/**
 * Delay before attempt n+1 after n failed attempts: base·2^(n-1), at most an hour, with up to 20 %
 * jitter so the retries of many events spread out. A Retry-After the webhook sent wins when longer.
 */
export function retryDelaySeconds(
  failedAttempts: number,
  baseSeconds: number,
  random: number,
  retryAfterSeconds?: number,
): number {
  const exp = Math.min(3600, baseSeconds * 2 ** Math.max(0, failedAttempts - 1));
  const jittered = Math.round(exp * (1 + 0.2 * random));
  return Math.min(3600, Math.max(jittered, retryAfterSeconds ?? 0));
}

/** A 4xx other than timeout/too-early/too-many-requests will not succeed by sending the same body again. */
export function isPermanentFailure(status: number | null): boolean {
  return status !== null && status >= 400 && status < 500 && ![408, 425, 429].includes(status);
}
