/* What every route handler of the emulator is given: the shared state and the request being served. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http';
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
  /** The claims of the caller's token when it was a JWT (see callerClaimsOf); undefined for an opaque token. */
  readonly callerClaims?: Readonly<Record<string, string>>;
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
  /** Most records per Resource Graph page (below `$top`, to test paging with few services). */
  readonly graphPageSize: number;
  readonly lroRetryAfterSeconds: number | undefined;
  /** The connection PUT applies whatever `If-Match` it is sent (see ArmEmulatorOptions). */
  readonly ignoreIfMatchOnConnectionPut: boolean;
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
  /** The claims of the bearer token, when it is a JWT: who is calling, as ARM's events report it. */
  readonly callerClaims: Readonly<Record<string, string>> | undefined;
}

export type RouteHandler = (context: EmulatorContext, request: RouteRequest) => void;

/**
 * One page of a list answer, `{value, nextLink}` as ARM's pageable lists are: `nextLink` is absolute
 * and carries the offset as `$skipToken`; the last page has none. Page size: `context.pageSize`.
 */
export function sendListPage<T>(
  context: EmulatorContext,
  { url, apiVersion, response }: Pick<RouteRequest, 'url' | 'apiVersion' | 'response'>,
  all: readonly T[],
  toJson: (item: T) => Record<string, unknown>,
): void {
  const skip = Number(url.searchParams.get('$skipToken') ?? '0');
  const start = Number.isInteger(skip) && skip > 0 ? skip : 0;
  const pageSize = context.pageSize;
  const value = all.slice(start, start + pageSize).map(toJson);
  const next = start + pageSize < all.length ? start + pageSize : undefined;
  sendJson(response, 200, {
    value,
    ...(next === undefined
      ? {}
      : { nextLink: `${context.origin()}${url.pathname}?api-version=${apiVersion}&$skipToken=${next}` }),
  });
}

export function writeEvent(
  context: EmulatorContext,
  resourceId: string,
  operationName: string,
  httpMethod: 'PUT' | 'DELETE',
  subscriptionId: string,
  correlationId: string,
  callerClaims: Readonly<Record<string, string>> | undefined,
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
    ...(callerClaims === undefined ? {} : { callerClaims }),
  };
}

/**
 * The claims of a bearer token that is a JWT (`header.payload.signature`, base64url JSON payload),
 * read without checking the signature: the emulator trusts whatever token it accepts. ARM copies the
 * caller's claims into its resource events (`data.claims`, a map of strings), so a test or a lab
 * user can act as another principal (the portal, a person's CLI) by sending a token with that
 * principal's `appid`. Numbers (`iat`, `exp`) become strings as in ARM's events; other values are left out.
 */
export function callerClaimsOf(token: string): Readonly<Record<string, string>> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (typeof value === 'string') claims[name] = value;
    else if (typeof value === 'number') claims[name] = String(value);
  }
  return claims;
}
