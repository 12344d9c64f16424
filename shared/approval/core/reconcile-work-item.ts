/**
 * One unit of reconciliation work on the Storage queue: "reconcile PLS X", because an event hinted
 * that it changed, or because an earlier invocation ran out of its time budget and hands over the
 * rest. The item carries no connection state (ARM is re-read) and no cursor: the next invocation
 * lists the PLS again and plans from what it finds, so a connection decided by the cut-off run is
 * simply settled now, and the claims and write-ahead audit keep any overlap from writing twice.
 *
 * Encoded as base64 JSON, which is what the Functions host's queue trigger decodes by default.
 */
import { z } from 'zod';
import { AppError } from '../../errors';

const isoTime = z.iso.datetime({ offset: true });

export const workItemEventSchema = z.strictObject({
  id: z.string().min(1).max(256),
  type: z.string().min(1).max(256),
  topic: z.string().max(1024).optional(),
  /** When the change happened, as the event said. */
  eventTime: isoTime.optional(),
  /** When our webhook received it. */
  receivedAt: isoTime,
});

export const reconcileWorkItemSchema = z.strictObject({
  v: z.literal(1),
  plsId: z.string().min(1).max(1024),
  cause: z.enum(['event', 'timer']),
  /** The event that asked for this work (kept through continuations), for the fast path statistics. */
  event: workItemEventSchema.optional(),
  /** 0 for the first invocation, then one more for each continuation. */
  round: z.number().int().min(0).max(100_000),
  /** Decisions the previous invocation left undone (informational; the plan is made again). */
  remaining: z.number().int().min(0).optional(),
  correlationId: z.string().min(1).max(256),
  enqueuedAt: isoTime,
});

export type ReconcileWorkItem = z.output<typeof reconcileWorkItemSchema>;
export type WorkItemEvent = z.output<typeof workItemEventSchema>;

export function encodeWorkItem(item: ReconcileWorkItem): string {
  return Buffer.from(JSON.stringify(reconcileWorkItemSchema.parse(item)), 'utf8').toString('base64');
}

/** The host hands over an object (JSON was decoded) or a string (plain or base64 JSON). */
export function parseWorkItem(message: unknown): ReconcileWorkItem {
  const value = typeof message === 'string' ? jsonOrBase64Json(message) : message;
  const parsed = reconcileWorkItemSchema.safeParse(value);
  if (!parsed.success) {
    throw new AppError('validation_failed', 'The reconciliation work item is not one this version reads.', {
      issues: parsed.error.issues.map((i) => ({
        path: i.path.length === 0 ? 'message' : i.path.join('.'),
        message: i.message,
      })),
    });
  }
  return parsed.data;
}

function jsonOrBase64Json(text: string): unknown {
  const trimmed = text.trim();
  for (const candidate of [trimmed, Buffer.from(trimmed, 'base64').toString('utf8')]) {
    try {
      return JSON.parse(candidate);
    } catch {
      // not this encoding; try the next
    }
  }
  return text;
}

/** The continuation of an item whose invocation ran out of time. */
export function continuationOf(item: ReconcileWorkItem, remaining: number, now: Date): ReconcileWorkItem {
  return { ...item, round: item.round + 1, remaining, enqueuedAt: now.toISOString() };
}
