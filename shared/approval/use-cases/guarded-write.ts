import type { PrivateEndpointConnection } from '../../arm/arm-gateway';
import { type AppError, toAppError } from '../../errors';
import type { CapturedConnection } from '../core/captured-connection';
import { targetStatusOf } from '../core/transitions';
import type { DecisionDeps } from './approval-services';
import type { DecisionRequest, Live } from './decision-request';

/*
 * The ARM write of one decision whose intent is stored: re-read the connection, PUT (with If-Match)
 * only if it is still in the state decided on, and read again after a failed PUT to tell what happened.
 */

export type WriteResult =
  | { readonly kind: 'applied'; readonly connection: PrivateEndpointConnection }
  | {
      readonly kind: 'stale';
      readonly statusNow: string | undefined;
      readonly detail: string;
      readonly error?: AppError;
    }
  | { readonly kind: 'failed'; readonly error: AppError; readonly detail: string };

export async function rereadAndWrite(services: DecisionDeps, item: Live): Promise<WriteResult> {
  const { capture } = item.request;
  const current = await reread(services, capture);
  if (current.kind === 'error')
    return { kind: 'failed', error: current.error, detail: 're-read failed; nothing written to ARM' };
  const changed = changedSince(item.request, current.connection);
  if (changed !== undefined) return changed;
  const sentEtag = current.connection?.etag;
  try {
    const connection = await services.arm.updateConnectionState(
      capture.connection.plsId,
      capture.connection.name,
      {
        status: targetStatusOf(item.request.action),
        description: item.request.description,
        // A change between the re-read and this write is refused by ARM instead of overwritten.
        ...(sentEtag !== undefined ? { ifMatch: sentEtag } : {}),
      },
    );
    return { kind: 'applied', connection };
  } catch (error) {
    const appError = toAppError(error);
    // What happened is read from ARM again, not guessed from the error code: ARM's codes for these
    // cases are not all published (Rejected → Approved has none; a vanished connection answers 400
    // PrivateEndpointConnectionCannotBeCreatedByServiceProvider, Azure/azure-sdk-for-go#9484).
    const after = await reread(services, capture);
    if (after.kind === 'ok') {
      const moved =
        changedSince(item.request, after.connection) ??
        (after.connection?.etag !== undefined && sentEtag !== undefined && after.connection.etag !== sentEtag
          ? {
              kind: 'stale' as const,
              statusNow: after.connection.status,
              detail: 'the connection changed between the re-read and the write',
            }
          : undefined);
      if (moved !== undefined) return { ...moved, error: appError };
    }
    return { kind: 'failed', error: appError, detail: 'ARM write failed' };
  }
}

/** The connection as re-read, against the state the decision was made on: undefined when unchanged. */
function changedSince(
  request: DecisionRequest,
  connection: PrivateEndpointConnection | undefined,
): Extract<WriteResult, { kind: 'stale' }> | undefined {
  const { capture } = request;
  if (connection === undefined)
    return { kind: 'stale', statusNow: undefined, detail: 'the connection no longer exists' };
  if (connection.status !== capture.status) {
    return {
      kind: 'stale',
      statusNow: connection.status,
      detail: `the connection is ${connection.status} now, not ${capture.status} as when decided`,
    };
  }
  if (request.requiredEtag !== undefined && connection.etag !== request.requiredEtag) {
    return {
      kind: 'stale',
      statusNow: connection.status,
      detail: 'the connection changed since the version the decision was made on (ETag)',
    };
  }
  return undefined;
}

async function reread(
  services: DecisionDeps,
  capture: CapturedConnection,
): Promise<
  { kind: 'ok'; connection: PrivateEndpointConnection | undefined } | { kind: 'error'; error: AppError }
> {
  try {
    return {
      kind: 'ok',
      connection: await services.arm.readConnection(capture.connection.plsId, capture.connection.name),
    };
  } catch (error) {
    const appError = toAppError(error);
    if (appError.code === 'arm_not_found') return { kind: 'ok', connection: undefined };
    return { kind: 'error', error: appError };
  }
}
