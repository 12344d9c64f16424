/*
 * Long-running operations (deletes): the registry that flips them to Succeeded after a while, the
 * 202 answer that starts one, and the status routes the SDK's poller follows (`Azure-AsyncOperation`
 * → `{status}`, `Location` → 202 until done, then 204), as in ARM's async operation guidelines.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { EmulatorContext, OperationRegistry, RouteHandler } from '../context';
import { sendEmpty, sendError, sendJson } from '../http';

interface Operation {
  readonly subscriptionId: string;
  readonly location: string;
  status: 'InProgress' | 'Succeeded';
}

export function operationRegistry(
  durationMs: number,
  later: (ms: number, action: () => void) => void,
): OperationRegistry {
  const operations = new Map<string, Operation>();
  return {
    start(subscriptionId, location, complete) {
      const id = randomUUID();
      const operation: Operation = { subscriptionId, location, status: 'InProgress' };
      operations.set(id, operation);
      later(durationMs, () => {
        operation.status = 'Succeeded';
        complete();
      });
      return id;
    },
    get: (id) => operations.get(id),
  };
}

export function operationUrls(
  context: EmulatorContext,
  subscriptionId: string,
  location: string,
  operationId: string,
  apiVersion: string,
): { readonly asyncOperation: string; readonly location: string } {
  const base = `${context.origin()}/subscriptions/${subscriptionId}/providers/Microsoft.Network/locations/${location}`;
  return {
    asyncOperation: `${base}/operations/${operationId}?api-version=${apiVersion}`,
    location: `${base}/operationResults/${operationId}?api-version=${apiVersion}`,
  };
}

export function acceptedLro(
  context: EmulatorContext,
  response: ServerResponse,
  subscriptionId: string,
  location: string,
  operationId: string,
  apiVersion: string,
): void {
  const urls = operationUrls(context, subscriptionId, location, operationId, apiVersion);
  response.setHeader('Azure-AsyncOperation', urls.asyncOperation);
  response.setHeader('Location', urls.location);
  if (context.lroRetryAfterSeconds !== undefined)
    response.setHeader('Retry-After', String(context.lroRetryAfterSeconds));
  sendEmpty(response, 202);
}

export const getOperation: RouteHandler = (context, { route, url, response }) => {
  const id = route.params.id ?? '';
  const operation = context.operations.get(id);
  if (operation === undefined || operation.subscriptionId !== route.subscriptionId) {
    sendError(response, 404, 'OperationNotFound', `The operation '${id}' could not be found.`);
    return;
  }
  if (context.lroRetryAfterSeconds !== undefined && operation.status === 'InProgress') {
    response.setHeader('Retry-After', String(context.lroRetryAfterSeconds));
  }
  if (route.params.flavour === 'operationresults') {
    if (operation.status === 'InProgress') {
      response.setHeader('Location', `${context.origin()}${url.pathname}${url.search}`);
      sendEmpty(response, 202);
    } else sendEmpty(response, 204);
    return;
  }
  sendJson(response, 200, { status: operation.status });
};
