/* What every route handler of the emulator is given: the shared state and the request being served. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route } from './routes';
import type { ArmWorld } from './world';

export interface ArmWriteEvent {
  /** The resource written or deleted (a PE connection, or a consumer's private endpoint). */
  readonly resourceId: string;
  /** ARM's operation name, as Event Grid's `data.operationName` carries it. */
  readonly operationName: string;
  readonly kind: 'write' | 'delete';
  /** The subscription the resource lives in (where Event Grid would publish the event). */
  readonly subscriptionId: string;
  readonly tenantId: string | undefined;
  readonly correlationId: string;
  readonly httpMethod: 'PUT' | 'DELETE';
  readonly status: 'Succeeded';
  readonly time: Date;
  /** For a private endpoint write/delete: the provider-side connection it created or removed. */
  readonly relatedConnectionId?: string;
}

export interface OperationRegistry {
  /** Starts a long-running operation; `complete` runs when it flips to Succeeded. Returns its id. */
  start(subscriptionId: string, location: string, complete: () => void): string;
  get(
    id: string,
  ): { readonly subscriptionId: string; readonly status: 'InProgress' | 'Succeeded' } | undefined;
}

export interface EmulatorContext {
  readonly world: ArmWorld;
  /** The emulator's own origin (nextLink and operation URLs carry it). */
  readonly origin: () => string;
  readonly pageSize: number;
  readonly lroRetryAfterSeconds: number | undefined;
  readonly operations: OperationRegistry;
  emit(event: ArmWriteEvent): void;
}

export interface RouteRequest {
  readonly route: Route;
  readonly url: URL;
  readonly apiVersion: string;
  readonly body: string;
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly correlationId: string;
}

export type RouteHandler = (context: EmulatorContext, request: RouteRequest) => void;

export function writeEvent(
  context: EmulatorContext,
  resourceId: string,
  operationName: string,
  httpMethod: 'PUT' | 'DELETE',
  subscriptionId: string,
  correlationId: string,
): ArmWriteEvent {
  return {
    resourceId,
    operationName,
    kind: httpMethod === 'PUT' ? 'write' : 'delete',
    subscriptionId,
    tenantId: context.world.tenantOf(subscriptionId),
    correlationId,
    httpMethod,
    status: 'Succeeded',
    time: new Date(),
  };
}
