/*
 * A loopback HTTP server that answers the subset of Azure Resource Manager the product uses, with ARM's
 * paths, api-version rules, JSON shapes, paging, long-running deletes, throttling and error bodies, so
 * the real `@azure/arm-network` client can be tested against it. Scriptable through `world` and `faults`.
 *
 * Each request goes through the same steps: route (routes.ts) → authentication → rate limit
 * (rate-limits.ts) → api-version → injected fault (faults.ts) → the route's handler (handlers/).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { errorJson } from './arm-json';
import {
  type ArmWriteEvent,
  callerClaimsOf,
  type EmulatorContext,
  type RouteHandler,
  type RouteRequest,
} from './context';
import { type Fault, FaultInjector } from './faults';
import { formatResetsAfter, GraphQuota, type GraphQuotaOptions } from './graph-quota';
import { deleteConnection, listPlsConnections, putConnection, readConnection } from './handlers/connections';
import { serveControl } from './handlers/control';
import { getOperation, operationRegistry } from './handlers/operations';
import { deletePrivateEndpoint, getPrivateEndpoint, putPrivateEndpoint } from './handlers/private-endpoints';
import {
  getPrivateLinkService,
  listPrivateLinkServices,
  putPrivateLinkService,
} from './handlers/private-link-services';
import { queryResourceGraph } from './handlers/resource-graph';
import { getSubscription } from './handlers/subscriptions';
import { acceptedToken, challenge, headerOf, readBody, sendEmulatorError, sendError, sendJson } from './http';
import {
  type NrpLimitOptions,
  NrpWindows,
  nrpClassOf,
  type RateLimitOptions,
  rateClassOf,
  TokenBuckets,
} from './rate-limits';
import { RequestLog } from './request-log';
import type { RouteKind } from './route-kinds';
import {
  API_VERSION_FORMAT,
  matchRoute,
  NETWORK_API_VERSIONS,
  RESOURCE_GRAPH_API_VERSIONS,
  RESOURCES_API_VERSIONS,
  type Route,
} from './routes';
import { type ArmSeed, applySeed } from './seed';
import { ArmWorld, EmulatorError } from './world';

export type { ArmWriteEvent } from './context';

export interface ArmEmulatorOptions {
  /** Loopback address to listen on; 127.0.0.1 by default. */
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Connections per list page before a `nextLink` (ARM pages vary; 100 by default). */
  readonly pageSize?: number;
  /** Initial contents (already validated; see loadArmSeed for a file). */
  readonly seed?: ArmSeed;
  /** Seed of the fault PRNG, so a rate-based fault run is reproducible. */
  readonly faultSeed?: number;
  /** How long a long-running delete/create stays InProgress. 20 ms by default. */
  readonly lroDurationMs?: number;
  /** Retry-After (seconds) on operation status answers; none by default so SDK pollers use their own interval. */
  readonly lroRetryAfterSeconds?: number;
  /** When set, only this bearer token is accepted (tests prove the client sent the token it was given). */
  readonly expectedToken?: string;
  /**
   * The connection PUT ignores `If-Match` (a stale one is applied, not refused with 412), for tests
   * of what the product guarantees if NRP does not honour it: the REST spec declares no `If-Match`
   * on PrivateLinkServices_UpdatePrivateEndpointConnection. Defaults to the seed's
   * `ignoreIfMatchOnConnectionPut`, else false (honoured, as ARM's resource guidelines describe).
   */
  readonly ignoreIfMatchOnConnectionPut?: boolean;
  /** ARM's token buckets per subscription and principal; off (headers only) by default. */
  readonly rateLimits?: RateLimitOptions;
  /** Microsoft.Network's per-5-minute limits (rate-limits.ts, NrpWindows); off by default. */
  readonly nrpLimits?: NrpLimitOptions;
  /** Resource Graph's per-user query quota (graph-quota.ts); on with 15 queries per 5 s by default. */
  readonly graphQuota?: GraphQuotaOptions;
  /** Most records per Resource Graph page; 1,000 (Resource Graph's own cap) by default. */
  readonly graphPageSize?: number;
  readonly onWrite?: (event: ArmWriteEvent) => void;
}

export interface ArmEmulator {
  /** Origin to use as ARM_ENDPOINT, e.g. `http://127.0.0.1:54321`. */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly world: ArmWorld;
  readonly faults: FaultInjector;
  readonly requestLog: RequestLog;
  readonly rateLimits: TokenBuckets;
  readonly nrpLimits: NrpWindows;
  readonly graphQuota: GraphQuota;
  /** Adds a listener for successful writes; returns the function that removes it. */
  onWrite(listener: (event: ArmWriteEvent) => void): () => void;
  stop(): Promise<void>;
}

const HANDLERS: Readonly<Record<Exclude<RouteKind, 'unknown'>, RouteHandler>> = {
  'subscription.get': getSubscription,
  'pls.list': listPrivateLinkServices,
  'pls.get': getPrivateLinkService,
  'pls.put': putPrivateLinkService,
  'connection.list': listPlsConnections,
  'connection.get': readConnection,
  'connection.put': putConnection,
  'connection.delete': deleteConnection,
  'endpoint.get': getPrivateEndpoint,
  'endpoint.put': putPrivateEndpoint,
  'endpoint.delete': deletePrivateEndpoint,
  'operation.get': getOperation,
  'graph.query': queryResourceGraph,
};

interface Outcome {
  kind: RouteKind;
  authenticated: boolean;
  fault: string | undefined;
  dropped: boolean;
  correlationId: string;
}

export async function startArmEmulator(options: ArmEmulatorOptions = {}): Promise<ArmEmulator> {
  const host = options.host ?? '127.0.0.1';
  const world = new ArmWorld();
  if (options.seed !== undefined) applySeed(world, options.seed);
  const faults = new FaultInjector(options.faultSeed ?? 1);
  const requestLog = new RequestLog();
  const rateLimits = new TokenBuckets(options.rateLimits);
  const nrpLimits = new NrpWindows(options.nrpLimits);
  const graphQuota = new GraphQuota(options.graphQuota);
  const listeners = new Set<(event: ArmWriteEvent) => void>();
  if (options.onWrite !== undefined) listeners.add(options.onWrite);
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let origin = '';

  const later = (ms: number, action: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  };

  const context: EmulatorContext = {
    world,
    origin: () => origin,
    pageSize: options.pageSize ?? 100,
    graphPageSize: options.graphPageSize ?? 1000,
    lroRetryAfterSeconds: options.lroRetryAfterSeconds,
    ignoreIfMatchOnConnectionPut:
      options.ignoreIfMatchOnConnectionPut ?? options.seed?.ignoreIfMatchOnConnectionPut ?? false,
    operations: operationRegistry(options.lroDurationMs ?? 20, later),
    emit(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch {
          // A listener's failure must not turn a successful ARM write into a failed one.
        }
      }
    },
  };

  const server: Server = createServer((request, response) => {
    const started = performance.now();
    const at = Date.now();
    void handle(request, response).then(
      (outcome) => {
        requestLog.add({
          method: request.method ?? 'GET',
          path: request.url ?? '/',
          kind: outcome.kind,
          status: outcome.dropped ? 0 : response.statusCode,
          durationMs: performance.now() - started,
          authenticated: outcome.authenticated,
          fault: outcome.fault,
          correlationId: outcome.correlationId,
          at,
        });
      },
      () => {
        if (!response.headersSent)
          sendJson(response, 500, errorJson('InternalServerError', 'Emulator failure.'));
      },
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<Outcome> {
    const method = (request.method ?? 'GET').toUpperCase();
    const url = new URL(request.url ?? '/', origin);
    const correlationId =
      headerOf(request, 'x-ms-correlation-request-id') ??
      headerOf(request, 'x-ms-client-request-id') ??
      randomUUID();
    response.setHeader('x-ms-correlation-request-id', correlationId);
    response.setHeader('x-ms-request-id', randomUUID());
    const body = await readBody(request);
    const token = acceptedToken(request, options.expectedToken);
    const authenticated = token !== undefined;
    const match = matchRoute(url.pathname, method);
    const outcome: Outcome = {
      kind: match.matched ? match.route.kind : match.reason === 'method' ? match.kind : 'unknown',
      authenticated,
      fault: undefined,
      dropped: false,
      correlationId,
    };

    if (!match.matched && match.reason === 'path') {
      if (!serveControl(context, method, url, body, authenticated, response)) {
        sendError(
          response,
          404,
          'InvalidResourceType',
          `The resource path '${url.pathname}' is not served by the ARM emulator.`,
        );
      }
      return outcome;
    }
    if (!match.matched) {
      sendError(
        response,
        405,
        'MethodNotAllowed',
        `The HTTP method '${method}' is not supported on this resource.`,
      );
      return outcome;
    }
    const route = match.route;

    if (token === undefined) {
      // Tenant discovery: the subscription GET answers without a token, with the owner tenant in the challenge.
      if (route.kind === 'subscription.get') {
        const fault = faults.next(route.kind, method);
        if (fault !== undefined && (await applyFault(fault, request, response, outcome))) return outcome;
      }
      challenge(response, world.tenantOf(route.subscriptionId), request.headers.authorization !== undefined);
      return outcome;
    }
    if (route.kind === 'graph.query') {
      // Resource Graph has its own per-user quota instead of ARM's subscription buckets and NRP's windows.
      if (!withinGraphQuota(token, response)) return outcome;
    } else {
      if (!takeToken(route, token, method, response)) return outcome;
      if (!withinNrpLimits(route, token, method, response)) return outcome;
    }
    const apiVersion = checkApiVersion(route, url, response);
    if (apiVersion === undefined) return outcome;
    const fault = faults.next(route.kind, method);
    if (fault !== undefined && (await applyFault(fault, request, response, outcome))) return outcome;

    const routeRequest: RouteRequest = {
      route,
      url,
      apiVersion,
      body,
      request,
      response,
      correlationId,
      callerClaims: callerClaimsOf(token),
    };
    try {
      if (route.kind !== 'unknown') HANDLERS[route.kind](context, routeRequest);
    } catch (error) {
      if (error instanceof EmulatorError) sendEmulatorError(response, error);
      else throw error;
    }
    return outcome;
  }

  /** ARM's token bucket: sets the remaining header and answers 429 when the bucket is empty. */
  function takeToken(route: Route, principal: string, method: string, response: ServerResponse): boolean {
    const rateClass = rateClassOf(method);
    const taken = rateLimits.take(route.subscriptionId, principal, rateClass);
    response.setHeader(`x-ms-ratelimit-remaining-subscription-${rateClass}`, String(taken.remaining));
    if (taken.allowed) return true;
    response.setHeader('Retry-After', String(taken.retryAfterSeconds));
    // Code and wording as ARM sends them (see the AKS "SubscriptionRequestsThrottled (429)" troubleshooting page).
    sendError(
      response,
      429,
      'SubscriptionRequestsThrottled',
      `Number of '${rateClass === 'reads' ? 'read' : rateClass === 'writes' ? 'write' : 'delete'}' requests for subscription '${route.subscriptionId}' actor 'emulated-principal' exceeded. Please try again after '${taken.retryAfterSeconds}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling`,
    );
    return false;
  }

  /** Resource Graph's quota headers on every answer; 429 with Retry-After once the window's queries are spent. */
  function withinGraphQuota(principal: string, response: ServerResponse): boolean {
    const taken = graphQuota.take(principal);
    response.setHeader('x-ms-user-quota-remaining', String(taken.remaining));
    response.setHeader('x-ms-user-quota-resets-after', formatResetsAfter(taken.resetsAfterMs));
    if (taken.allowed) return true;
    response.setHeader('Retry-After', String(Math.max(1, Math.ceil(taken.resetsAfterMs / 1000))));
    // The throttling guide documents the status and headers, not the error body: callers act on those.
    sendError(
      response,
      429,
      'TooManyRequests',
      'The Resource Graph query quota of this user is spent for the current window; retry after x-ms-user-quota-resets-after.',
    );
    return false;
  }

  /**
   * Microsoft.Network's per-5-minute limits, after ARM's bucket let the request through (ARM routes it
   * to the resource provider only then). The subscription GET is ARM's own, not NRP's.
   */
  function withinNrpLimits(
    route: Route,
    principal: string,
    method: string,
    response: ServerResponse,
  ): boolean {
    if (route.kind === 'subscription.get') return true;
    const nrpClass = nrpClassOf(method);
    const taken = nrpLimits.take(route.subscriptionId, principal, nrpClass);
    if (taken.allowed) return true;
    response.setHeader('Retry-After', String(taken.retryAfterSeconds));
    // The throttling article gives the limits, not NRP's error body: the code is ARM's generic one for
    // 429 and the message names the 5-minute window. Callers act on the status and Retry-After.
    sendError(
      response,
      429,
      'TooManyRequests',
      `The request is being throttled as the limit has been reached for operation type - ${nrpClass === 'reads' ? 'Read' : 'Write'}_ObservationWindow_00:05:00. Please try again after '${taken.retryAfterSeconds}' seconds.`,
    );
    return false;
  }

  async function applyFault(
    fault: Fault,
    request: IncomingMessage,
    response: ServerResponse,
    outcome: Outcome,
  ): Promise<boolean> {
    switch (fault.type) {
      case 'delay':
        outcome.fault = `delay:${fault.ms}`;
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        return false;
      case 'drop':
        outcome.fault = 'drop';
        outcome.dropped = true;
        request.socket.destroy();
        return true;
      case 'status': {
        outcome.fault = `status:${fault.status}`;
        if (fault.retryAfterSeconds !== undefined)
          response.setHeader('Retry-After', String(fault.retryAfterSeconds));
        sendError(
          response,
          fault.status,
          fault.code ?? defaultFaultCode(fault.status),
          faultMessage(fault.status),
        );
        return true;
      }
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: origin,
    origin,
    port,
    world,
    faults,
    requestLog,
    rateLimits,
    nrpLimits,
    graphQuota,
    onWrite(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

/** The api-version of the request when its provider accepts it; otherwise answers ARM's 400 and returns undefined. */
function checkApiVersion(route: Route, url: URL, response: ServerResponse): string | undefined {
  const apiVersion = url.searchParams.get('api-version');
  const versions =
    route.api === 'resources'
      ? RESOURCES_API_VERSIONS
      : route.api === 'resourceGraph'
        ? RESOURCE_GRAPH_API_VERSIONS
        : NETWORK_API_VERSIONS;
  if (apiVersion === null || apiVersion === '') {
    sendError(
      response,
      400,
      'MissingApiVersionParameter',
      'The api-version query parameter (?api-version=) is required for all requests.',
    );
    return undefined;
  }
  if (!API_VERSION_FORMAT.test(apiVersion)) {
    sendError(
      response,
      400,
      'InvalidApiVersionParameter',
      `The api-version '${apiVersion}' is invalid. The supported versions are '${[...versions].join(',')}'.`,
    );
    return undefined;
  }
  if (!versions.has(apiVersion)) {
    sendError(
      response,
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for location and API version '${apiVersion}'. The supported api-versions are '${[...versions].join(', ')}'.`,
    );
    return undefined;
  }
  return apiVersion;
}

function defaultFaultCode(status: number): string {
  if (status === 429) return 'TooManyRequests';
  if (status === 503) return 'ServiceUnavailable';
  if (status === 502) return 'BadGateway';
  if (status === 504) return 'GatewayTimeout';
  if (status >= 500) return 'InternalServerError';
  return 'BadRequest';
}

function faultMessage(status: number): string {
  if (status === 429)
    return 'The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00.';
  if (status >= 500) return 'The server encountered an internal error. Please retry the request.';
  return 'The request was refused (injected fault).';
}
