/*
 * The `onConnectionEvent` use case: an Event Grid event is only a hint that a PLS may have changed.
 * It is parsed, filtered (a managed PLS, approval not off, not the echo of our own write: see
 * echoOfOurWrite),
 * de-duplicated per PLS (in memory first: an item this instance queued, not yet started when the
 * event's change happened, covers it; then by the storage marker) and queued as "reconcile PLS X"; the reconciliation itself runs in the
 * queue-triggered `reconcileQueuedPls`. The webhook so answers in milliseconds: Event Grid waits 30 s
 * for an answer before it retries (then 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h; see
 * https://learn.microsoft.com/azure/event-grid/delivery-and-retry), and reconciling a large PLS can
 * take longer than that.
 *
 *   parse → filter → de-duplicate + enqueue → answer
 */

import { sameResourceId } from '../../arm/resource-id';
import type { Clock } from '../../clock';
import { toAppError } from '../../errors';
import { type Log, logEvent } from '../../log';
import { type ParsedEvent, parseConnectionEvent } from '../adapters/connection-event';
import type { ReconcileQueue } from '../adapters/reconcile-queue';
import type { ClaimStore } from '../storage/claim-store';
import type { ApprovalMode } from './approval-services';
import { type ManagedServices, managedIdsOf } from './managed-services';

/** How long after our own write an event that names no caller, about that connection, is taken to be its echo. */
export const OWN_WRITE_ECHO_MS = 5 * 60_000;

export interface EventIntakeDeps {
  readonly plsResourceIds: readonly string[];
  /** Adds the discovered services (managed-services.ts); without it only `plsResourceIds`. */
  readonly managedServices?: Pick<ManagedServices, 'managed'>;
  readonly mode: ApprovalMode;
  readonly ownClientId: string | undefined;
  readonly claims: Pick<ClaimStore, 'recentlyCompleted'>;
  readonly workQueue: Pick<ReconcileQueue, 'enqueue' | 'covers'>;
  readonly clock: Clock;
}

export type EventIntake =
  | { readonly kind: 'queued' | 'duplicate'; readonly plsId: string }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'malformed' };

/**
 * A malformed event is permanent (a retry brings the same bytes), so it is logged and dropped; a
 * failure to queue is thrown when transient, so Event Grid retries; the timer catches up either way.
 */
export async function acceptConnectionEvent(
  deps: EventIntakeDeps,
  raw: unknown,
  context: { readonly correlationId: string; readonly log: Log },
): Promise<EventIntake> {
  const { log } = context;
  const receivedAt = deps.clock.now();
  const event = await parseConnectionEvent(raw);
  if (event.kind === 'malformed') {
    logEvent(log, { level: 'warn', event: 'approval.event.malformed', id: event.id, issues: event.issues });
    return { kind: 'malformed' };
  }
  const ignore = (reason: string, plsId?: string): EventIntake => {
    logEvent(log, { event: 'approval.event.ignored', id: event.id, pls: plsId, reason });
    return { kind: 'ignored', reason };
  };
  if (event.kind === 'ignored') return ignore(event.reason);
  const managed = await managedIdsOf(deps, log);
  const configured = managed.find((id) => sameResourceId(id, event.plsId));
  if (configured === undefined)
    return ignore(
      'Private Link Service is not managed here (not in PLS_RESOURCE_IDS nor discovered)',
      event.plsId,
    );
  if (deps.mode === 'off') return ignore('APPROVAL_MODE is off', configured);
  // Checked before the echo lookup: a large batch costs storage calls per PLS, not per event.
  if (deps.workQueue.covers(configured, event.eventTime)) {
    logEvent(log, {
      event: 'approval.event.duplicate',
      id: event.id,
      pls: configured,
      caller: event.caller.kind,
      coveredByQueuedItem: true,
    });
    return { kind: 'duplicate', plsId: configured };
  }
  const echo = await echoOfOurWrite(deps, event, configured, log);
  if (echo !== undefined) return ignore(echo, configured);
  try {
    const result = await deps.workQueue.enqueue(
      {
        v: 1,
        plsId: configured,
        cause: 'event',
        event: {
          id: event.id.slice(0, 256),
          type: event.eventType.slice(0, 256),
          ...(event.topic !== undefined ? { topic: event.topic.slice(0, 1024) } : {}),
          ...(event.eventTime !== undefined ? { eventTime: event.eventTime.toISOString() } : {}),
          receivedAt: receivedAt.toISOString(),
        },
        round: 0,
        correlationId: context.correlationId.slice(0, 256) || 'event',
        enqueuedAt: receivedAt.toISOString(),
      },
      { dedupe: true },
    );
    logEvent(log, {
      event: result === 'enqueued' ? 'approval.event.queued' : 'approval.event.duplicate',
      id: event.id,
      pls: configured,
      caller: event.caller.kind,
    });
    return { kind: result === 'enqueued' ? 'queued' : 'duplicate', plsId: configured };
  } catch (error) {
    const appError = toAppError(error);
    logEvent(log, { level: 'error', event: 'approval.event.failed', id: event.id, code: appError.code });
    if (appError.transient) throw appError;
    return ignore(`could not be queued (${appError.code})`, configured);
  }
}

/**
 * Whether an event is the echo of our own write (Azure emits `ResourceWriteSuccess` for our PUTs),
 * and why; undefined means "queue it". An event whose caller is an application is ours only when
 * that application is this app's identity (AZURE_CLIENT_ID): another principal's write (the portal,
 * the CLI, another automation) is always queued, even on a connection we decided a moment ago, since
 * it may have undone our decision. Only an event that names no caller at all is matched against our
 * recent decisions. Every doubt (claims we cannot read, no AZURE_CLIENT_ID to compare with, the
 * claim table unreadable) queues: a needless reconciliation costs one list, a dropped event costs up
 * to one timer period.
 */
async function echoOfOurWrite(
  deps: EventIntakeDeps,
  event: Extract<ParsedEvent, { kind: 'accepted' }>,
  plsId: string,
  log: Log,
): Promise<string | undefined> {
  const { caller } = event;
  if (caller.kind === 'application') {
    const ours = deps.ownClientId !== undefined && caller.appId === deps.ownClientId.toLowerCase();
    return ours ? 'our own write (the caller appid is this app’s identity)' : undefined;
  }
  if (caller.kind === 'unidentified') return undefined;
  if (
    event.connectionName === undefined ||
    event.operationName?.toLowerCase().endsWith('/privateendpointconnections/write') !== true
  ) {
    return undefined;
  }
  try {
    const decided = await deps.claims.recentlyCompleted(plsId, event.connectionName, OWN_WRITE_ECHO_MS);
    return decided ? 'our own write (no caller named; this connection was just decided here)' : undefined;
  } catch (error) {
    logEvent(log, {
      level: 'warn',
      event: 'approval.event.echo_unknown',
      id: event.id,
      code: toAppError(error).code,
    });
    return undefined;
  }
}
