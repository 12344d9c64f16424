import type { Clock } from '../../clock';
import type { WebhookTarget } from '../../config/notify-webhooks';
import { parseInput } from '../../http/http-adapter';
import { type Log, logEvent } from '../../log';
import type { WebhookResponse } from '../adapters/webhook-client';
import { groupedEvent, INCIDENT_WINDOW_SECONDS, incidentKey, memberOf } from '../core/incidents';
import type { NotifyEvent } from '../core/notify-events';
import {
  type DeliveryMessage,
  deliveryKey,
  deliveryMessageSchema,
  isPermanentFailure,
  retryDelaySeconds,
} from '../core/outbox-rows';
import { type RenderOptions, renderPayload } from '../core/payloads';
import type { DeliveryStore } from '../storage/delivery-store';
import type { IncidentStore } from '../storage/incident-store';

/**
 * The queue trigger's use case: deliver one event to one webhook, at least once and (as far as
 * the webhook's own answer allows) once:
 *
 *   parse → already delivered or poison? stop → someone else sending? stop → claim (ETag) →
 *   POST → delivered | retry later (a new delayed message, exponential backoff) | poison after N
 *
 * The retry is our own delayed message rather than the host's fixed visibility timeout, so the
 * backoff grows and the attempt count survives instance changes. A crash after the POST and
 * before the state write means one more POST later: receivers get the de-duplication key in
 * `X-Gatekeeper-Delivery` (and CloudEvents receivers the event id) to drop it.
 */
export interface DeliveryDependencies {
  readonly targets: readonly WebhookTarget[];
  readonly store: DeliveryStore;
  readonly enqueue: (
    event: NotifyEvent,
    targets: readonly string[],
    attempt: number,
    delaySeconds: number,
    incident?: number,
  ) => Promise<void>;
  readonly post: (
    url: URL,
    payload: ReturnType<typeof renderPayload>,
    headers: Record<string, string>,
    timeoutMs: number,
  ) => Promise<WebhookResponse>;
  readonly clock: Clock;
  readonly render: RenderOptions;
  readonly maxAttempts: number;
  readonly retryBaseSeconds: number;
  readonly timeoutSeconds: number;
  readonly random: () => number;
  readonly log: Log;
  /** One incident per cause (../core/incidents.ts); absent: every probe.down is told on its own. */
  readonly incidents?: IncidentStore;
  /** The incident window (NOTIFY_GROUP_SECONDS); INCIDENT_WINDOW_SECONDS when absent. */
  readonly groupSeconds?: number;
}

export type DeliveryResult =
  | 'delivered'
  | 'retry'
  | 'poison'
  | 'duplicate'
  | 'busy'
  | 'unknown-target'
  | 'held'
  | 'grouped';

export function parseDeliveryMessage(message: unknown): DeliveryMessage {
  let value = message;
  if (typeof value === 'string') {
    const text = value.trim();
    try {
      value = JSON.parse(text.startsWith('{') ? text : Buffer.from(text, 'base64').toString('utf8'));
    } catch {
      value = undefined;
    }
  }
  return parseInput(deliveryMessageSchema, value, 'message') as DeliveryMessage;
}

export async function deliverToWebhooks(
  deps: DeliveryDependencies,
  message: unknown,
): Promise<DeliveryResult> {
  const {
    event: received,
    target: targetName,
    attempt: queuedAttempt,
    incident,
  } = parseDeliveryMessage(message);
  let event = received;
  const key = deliveryKey(event.id, targetName);
  const target = deps.targets.find((t) => t.name.toLowerCase() === targetName.toLowerCase());
  if (target === undefined) {
    // Removed from NOTIFY_WEBHOOKS since it was enqueued: nobody to deliver to, and retrying cannot help.
    logEvent(deps.log, { event: 'notify.unknown_target', delivery: key, type: event.type });
    return 'unknown-target';
  }

  const now = deps.clock.now();
  const state = await deps.store.get(event.id, target.name);
  if (state?.state === 'delivered' || state?.state === 'poison' || state?.state === 'grouped') {
    logEvent(deps.log, { event: 'notify.duplicate', delivery: key, state: state.state });
    return 'duplicate';
  }
  if (
    state?.state === 'sending' &&
    state.claimUntil !== undefined &&
    Date.parse(state.claimUntil) > now.getTime()
  ) {
    // Another instance is sending it right now; if it dies, its own message comes back after the lease.
    logEvent(deps.log, { event: 'notify.busy', delivery: key });
    return 'busy';
  }

  // One incident per cause: only before the first attempt (a retry already carries its members).
  const cause = incidentKey(event);
  const window = deps.groupSeconds ?? INCIDENT_WINDOW_SECONDS;
  if (deps.incidents !== undefined && cause !== null && state === undefined) {
    if (incident !== undefined) {
      event = groupedEvent(event, await deps.incidents.close(cause, incident));
    } else {
      const joined = await deps.incidents.join(cause, memberOf(event), now, window * 1000);
      if (joined.role === 'member') {
        await deps.store.put(event.id, target.name, undefined, {
          state: 'grouped',
          attempts: 0,
          eventType: event.type,
          groupedInto: joined.leader,
        });
        logEvent(deps.log, {
          event: 'notify.grouped',
          delivery: key,
          type: event.type,
          leader: joined.leader,
        });
        return 'grouped';
      }
      if (!Number.isNaN(joined.openedAt)) {
        // Held for the window; the copy that comes back takes the member list and is sent.
        await deps.enqueue(event, [target.name], queuedAttempt, window, joined.openedAt);
        logEvent(deps.log, {
          event: 'notify.held',
          delivery: deliveryKey(event.id, targetName),
          type: event.type,
        });
        return 'held';
      }
    }
  }

  const attempt = (state?.attempts ?? 0) + 1;
  const timeoutMs = deps.timeoutSeconds * 1000;
  const claimUntil = new Date(now.getTime() + timeoutMs + 30_000).toISOString();
  const etag = await deps.store.put(event.id, target.name, state?.etag, {
    state: 'sending',
    attempts: attempt,
    claimUntil,
    eventType: event.type,
  });
  if (etag === null) {
    logEvent(deps.log, { event: 'notify.busy', delivery: key });
    return 'busy';
  }

  const payload = renderPayload(target.kind, event, deps.render);
  const response = await deps.post(
    target.url,
    payload,
    { 'x-gatekeeper-delivery': key, 'x-gatekeeper-event': event.type },
    timeoutMs,
  );
  const at = deps.clock.now();
  const logBase = {
    eventId: event.id,
    eventType: event.type,
    target: target.name,
    attempt,
    status: response.status,
    errorCode: response.errorCode,
    durationMs: response.durationMs,
    at,
  };

  if (response.ok) {
    await deps.store.put(event.id, target.name, etag, {
      state: 'delivered',
      attempts: attempt,
      eventType: event.type,
      deliveredAt: at.toISOString(),
      lastStatus: response.status ?? undefined,
    });
    await deps.store.append({ ...logBase, result: 'delivered' });
    logEvent(deps.log, {
      event: 'notify.delivered',
      delivery: key,
      type: event.type,
      attempt,
      status: response.status,
    });
    return 'delivered';
  }

  const failure = { lastStatus: response.status ?? undefined, lastError: response.errorCode ?? undefined };
  if (attempt >= deps.maxAttempts || isPermanentFailure(response.status)) {
    await deps.store.put(event.id, target.name, etag, {
      state: 'poison',
      attempts: attempt,
      eventType: event.type,
      poisonedAt: at.toISOString(),
      ...failure,
    });
    await deps.store.append({ ...logBase, result: 'poison' });
    logEvent(deps.log, {
      event: 'notify.poison',
      delivery: key,
      type: event.type,
      attempt,
      status: response.status,
      code: response.errorCode,
    });
    return 'poison';
  }

  const delay = retryDelaySeconds(attempt, deps.retryBaseSeconds, deps.random(), response.retryAfterSeconds);
  await deps.store.put(event.id, target.name, etag, {
    state: 'retrying',
    attempts: attempt,
    eventType: event.type,
    nextAttemptAt: new Date(at.getTime() + delay * 1000).toISOString(),
    ...failure,
  });
  await deps.store.append({ ...logBase, result: 'failed' });
  // If this enqueue fails the handler throws and the host retries the message: still at least once.
  await deps.enqueue(event, [target.name], attempt + 1, delay);
  logEvent(deps.log, {
    event: 'notify.retry',
    delivery: key,
    type: event.type,
    attempt,
    status: response.status,
    code: response.errorCode,
    delaySeconds: delay,
  });
  return 'retry';
}
