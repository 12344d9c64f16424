import type { Container } from '../../composition-root';
import type { ParsedEvent } from '../adapters/connection-event';
import type { Log } from './approval-services';
import { reconcileCoalesced } from './reconcile-all';
import type { PlsReconcileSummary } from './reconcile-pls';

/** How long after our own write an event about that connection is taken to be its echo. */
export const OWN_WRITE_ECHO_MS = 5 * 60_000;

export type EventHandling =
  | { readonly kind: 'reconciled'; readonly summary: PlsReconcileSummary }
  | { readonly kind: 'ignored'; readonly reason: string };

/**
 * Acts on an accepted event: only for a configured PLS (compared case-insensitively), never for
 * the echo of our own write, and always by re-reading the PLS from ARM (the event is only a hint).
 */
export async function handleParsedEvent(
  container: Container,
  event: Extract<ParsedEvent, { kind: 'accepted' }>,
  context: { readonly correlationId: string; readonly log: Log },
): Promise<EventHandling> {
  const configured = container.config.approval.plsResourceIds.find(
    (id) => id.toLowerCase() === event.plsId.toLowerCase(),
  );
  const ignore = (reason: string): EventHandling => {
    context.log({ event: 'approval.event.ignored', id: event.id, pls: event.plsId, reason });
    return { kind: 'ignored', reason };
  };
  if (configured === undefined)
    return ignore('Private Link Service is not managed here (not in PLS_RESOURCE_IDS)');
  if (container.config.approval.mode === 'off') return ignore('APPROVAL_MODE is off');
  const services = await container.approvalServices();
  if (
    event.callerAppId !== undefined &&
    services.ownClientId !== undefined &&
    event.callerAppId.toLowerCase() === services.ownClientId.toLowerCase()
  ) {
    return ignore('our own write (caller appid is this app’s identity)');
  }
  if (
    event.connectionName !== undefined &&
    event.operationName?.toLowerCase().endsWith('/privateendpointconnections/write') === true &&
    (await services.claims.recentlyCompleted(configured, event.connectionName, OWN_WRITE_ECHO_MS))
  ) {
    return ignore('our own write (this connection was just decided here)');
  }
  const policy = await container.approvalPolicy();
  const summary = await reconcileCoalesced(services, policy, configured, {
    trigger: 'event',
    correlationId: context.correlationId,
    log: context.log,
  });
  context.log({
    event: 'approval.event.reconciled',
    id: event.id,
    pls: configured,
    outcomes: summary.outcomes,
    durationMs: summary.durationMs,
  });
  return { kind: 'reconciled', summary };
}
