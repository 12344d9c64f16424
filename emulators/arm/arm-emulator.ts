import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connectionJson, errorJson, plsJson, privateEndpointJson } from './arm-json';
import { type Fault, FaultInjector } from './faults';
import { RequestLog } from './request-log';
import type { RouteKind } from './route-kinds';
import { type ArmSeed, applySeed } from './seed';
import { ArmWorld, connectionId, EmulatorError } from './world';

/**
 * A loopback HTTP server that answers the subset of Azure Resource Manager the product uses, with ARM's
 * paths, api-version rules, JSON shapes, paging, long-running deletes and error bodies, so the real
 * `@azure/arm-network` client can be tested against it. Scriptable through `world` and `faults`.
 */

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
  /** Adds a listener for successful writes; returns the function that removes it. */
  onWrite(listener: (event: ArmWriteEvent) => void): () => void;
  stop(): Promise<void>;
}

interface Route {
  readonly kind: RouteKind;
  readonly subscriptionId: string;
  readonly resourceId: string;
  readonly params: Readonly<Record<string, string>>;
}

interface Operation {
  readonly subscriptionId: string;
  readonly location: string;
  status: 'InProgress' | 'Succeeded';
}

const NETWORK_API_VERSIONS = new Set([
  '2023-04-01',
  '2023-05-01',
  '2023-06-01',
  '2023-09-01',
  '2023-11-01',
  '2024-01-01',
  '2024-03-01',
  '2024-05-01',
  '2024-07-01',
  '2024-10-01',
  '2025-01-01',
  '2025-03-01',
  '2025-05-01',
]);
const RESOURCES_API_VERSIONS = new Set(['2016-06-01', '2020-01-01', '2021-01-01', '2022-12-01']);
const API_VERSION_FORMAT = /^\d{4}-\d{2}-\d{2}(-preview)?$/;

const SUB = '([0-9a-fA-F-]{36})';
const SEG = '([^/]+)';
const NET = `/subscriptions/${SUB}/resourceGroups/${SEG}/providers/Microsoft\\.Network`;
const ROUTES: readonly {
  readonly pattern: RegExp;
  readonly build: (m: string[], method: string) => Route;
}[] = [
  {
    pattern: new RegExp(`^/subscriptions/${SUB}$`, 'i'),
    build: ([sub = '']) => route('subscription.get', sub, `/subscriptions/${sub}`),
  },
  {
    pattern: new RegExp(`^${NET}/privateLinkServices/${SEG}$`, 'i'),
    build: ([sub = '', rg = '', pls = '']) => route('pls.get', sub, plsIdOf(sub, rg, pls), { rg, pls }),
  },
  {
    pattern: new RegExp(`^${NET}/privateLinkServices/${SEG}/privateEndpointConnections$`, 'i'),
    build: ([sub = '', rg = '', pls = '']) =>
      route('connection.list', sub, plsIdOf(sub, rg, pls), { rg, pls }),
  },
  {
    pattern: new RegExp(`^${NET}/privateLinkServices/${SEG}/privateEndpointConnections/${SEG}$`, 'i'),
    build: ([sub = '', rg = '', pls = '', name = ''], method) =>
      route(
        method === 'PUT' ? 'connection.put' : method === 'DELETE' ? 'connection.delete' : 'connection.get',
        sub,
        plsIdOf(sub, rg, pls),
        { rg, pls, name },
      ),
  },
  {
    pattern: new RegExp(`^${NET}/privateEndpoints/${SEG}$`, 'i'),
    build: ([sub = '', rg = '', pe = ''], method) =>
      route(
        method === 'PUT' ? 'endpoint.put' : method === 'DELETE' ? 'endpoint.delete' : 'endpoint.get',
        sub,
        `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/privateEndpoints/${pe}`,
        { rg, pe },
      ),
  },
  {
    pattern: new RegExp(
      `^/subscriptions/${SUB}/providers/Microsoft\\.Network/locations/${SEG}/(operations|operationResults)/${SEG}$`,
      'i',
    ),
    build: ([sub = '', location = '', flavour = '', id = '']) =>
      route('operation.get', sub, `/subscriptions/${sub}`, { location, flavour: flavour.toLowerCase(), id }),
  },
];

const ALLOWED_METHODS: Partial<Record<RouteKind, readonly string[]>> = {
  'subscription.get': ['GET'],
  'pls.get': ['GET'],
  'connection.list': ['GET'],
  'connection.get': ['GET', 'PUT', 'DELETE'],
  'connection.put': ['GET', 'PUT', 'DELETE'],
  'connection.delete': ['GET', 'PUT', 'DELETE'],
  'endpoint.get': ['GET', 'PUT', 'DELETE'],
  'endpoint.put': ['GET', 'PUT', 'DELETE'],
  'endpoint.delete': ['GET', 'PUT', 'DELETE'],
  'operation.get': ['GET'],
};

export async function startArmEmulator(options: ArmEmulatorOptions = {}): Promise<ArmEmulator> {
  const host = options.host ?? '127.0.0.1';
  const world = new ArmWorld();
  if (options.seed !== undefined) applySeed(world, options.seed);
  const faults = new FaultInjector(options.faultSeed ?? 1);
  const requestLog = new RequestLog();
  const listeners = new Set<(event: ArmWriteEvent) => void>();
  if (options.onWrite !== undefined) listeners.add(options.onWrite);
  const operations = new Map<string, Operation>();
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  const pageSize = options.pageSize ?? 100;
  const lroDurationMs = options.lroDurationMs ?? 20;

  const emit = (event: ArmWriteEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure must not turn a successful ARM write into a failed one.
      }
    }
  };

  const later = (ms: number, action: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  };

  /** Starts a long-running operation; `complete` runs when it flips to Succeeded. */
  const startOperation = (subscriptionId: string, location: string, complete: () => void): string => {
    const id = randomUUID();
    const operation: Operation = { subscriptionId, location, status: 'InProgress' };
    operations.set(id, operation);
    later(lroDurationMs, () => {
      operation.status = 'Succeeded';
      complete();
    });
    return id;
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

  let origin = '';

  async function handle(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<{
    kind: RouteKind;
    authenticated: boolean;
    fault: string | undefined;
    dropped: boolean;
    correlationId: string;
  }> {
    const method = (request.method ?? 'GET').toUpperCase();
    const url = new URL(request.url ?? '/', origin);
    const correlationId =
      headerOf(request, 'x-ms-correlation-request-id') ??
      headerOf(request, 'x-ms-client-request-id') ??
      randomUUID();
    response.setHeader('x-ms-correlation-request-id', correlationId);
    response.setHeader('x-ms-request-id', randomUUID());
    const body = await readBody(request);
    const matched = matchRoute(url.pathname, method);
    const authenticated = isAuthenticated(request, options.expectedToken);
    const outcome = {
      kind: matched?.kind ?? ('unknown' as RouteKind),
      authenticated,
      fault: undefined as string | undefined,
      dropped: false,
      correlationId,
    };

    if (matched === undefined && (await serveEmulatorControl(method, url, body, authenticated, response))) {
      return outcome;
    }
    if (matched === undefined) {
      sendError(
        response,
        404,
        'InvalidResourceType',
        `The resource path '${url.pathname}' is not served by the ARM emulator.`,
      );
      return outcome;
    }
    const allowed = ALLOWED_METHODS[matched.kind] ?? [];
    if (!allowed.includes(method)) {
      sendError(
        response,
        405,
        'MethodNotAllowed',
        `The HTTP method '${method}' is not supported on this resource.`,
      );
      return outcome;
    }

    // Tenant discovery: the one route that answers without a token, with the owner tenant in the challenge.
    if (matched.kind === 'subscription.get' && !authenticated) {
      const fault = faults.next(matched.kind, method);
      if (fault !== undefined && (await applyFault(fault, request, response, outcome))) return outcome;
      const tenant = world.tenantOf(matched.subscriptionId);
      challenge(response, tenant, request.headers.authorization !== undefined);
      return outcome;
    }
    if (!authenticated) {
      challenge(
        response,
        world.tenantOf(matched.subscriptionId),
        request.headers.authorization !== undefined,
      );
      return outcome;
    }
    const apiVersion = url.searchParams.get('api-version');
    const versions = matched.kind === 'subscription.get' ? RESOURCES_API_VERSIONS : NETWORK_API_VERSIONS;
    if (apiVersion === null || apiVersion === '') {
      sendError(
        response,
        400,
        'MissingApiVersionParameter',
        'The api-version query parameter (?api-version=) is required for all requests.',
      );
      return outcome;
    }
    if (!API_VERSION_FORMAT.test(apiVersion)) {
      sendError(
        response,
        400,
        'InvalidApiVersionParameter',
        `The api-version '${apiVersion}' is invalid. The supported versions are '${[...versions].join(',')}'.`,
      );
      return outcome;
    }
    if (!versions.has(apiVersion)) {
      sendError(
        response,
        400,
        'NoRegisteredProviderFound',
        `No registered resource provider found for location and API version '${apiVersion}'. The supported api-versions are '${[...versions].join(', ')}'.`,
      );
      return outcome;
    }
    const fault = faults.next(matched.kind, method);
    if (fault !== undefined && (await applyFault(fault, request, response, outcome))) return outcome;

    try {
      serve(matched, url, apiVersion, body, request, response, correlationId);
    } catch (error) {
      if (error instanceof EmulatorError) sendError(response, error.status, error.code, error.message);
      else throw error;
    }
    return outcome;
  }

  async function applyFault(
    fault: Fault,
    request: IncomingMessage,
    response: ServerResponse,
    outcome: { fault: string | undefined; dropped: boolean },
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

  function serve(
    matched: Route,
    url: URL,
    apiVersion: string,
    body: string,
    request: IncomingMessage,
    response: ServerResponse,
    correlationId: string,
  ): void {
    const p = matched.params;
    switch (matched.kind) {
      case 'subscription.get': {
        const tenantId = world.tenantOf(matched.subscriptionId);
        if (tenantId === undefined) {
          sendError(
            response,
            404,
            'SubscriptionNotFound',
            `The subscription '${matched.subscriptionId}' could not be found.`,
          );
          return;
        }
        sendJson(response, 200, {
          id: `/subscriptions/${matched.subscriptionId}`,
          subscriptionId: matched.subscriptionId,
          tenantId,
          displayName: `Emulated subscription ${matched.subscriptionId.slice(0, 8)}`,
          state: 'Enabled',
          authorizationSource: 'RoleBased',
        });
        return;
      }
      case 'pls.get': {
        sendJson(response, 200, plsJson(world.requirePls(matched.resourceId)));
        return;
      }
      case 'connection.list': {
        const pls = world.requirePls(matched.resourceId);
        const skip = Number(url.searchParams.get('$skipToken') ?? '0');
        const start = Number.isInteger(skip) && skip > 0 ? skip : 0;
        const all = [...pls.connections.values()];
        const value = all.slice(start, start + pageSize).map((c) => connectionJson(pls, c));
        const next = start + pageSize < all.length ? start + pageSize : undefined;
        sendJson(response, 200, {
          value,
          ...(next === undefined
            ? {}
            : {
                nextLink: `${origin}${url.pathname}?api-version=${apiVersion}&$skipToken=${next}`,
              }),
        });
        return;
      }
      case 'connection.get': {
        const connection = world.requireConnection(matched.resourceId, p.name ?? '');
        sendJson(response, 200, connectionJson(world.requirePls(matched.resourceId), connection));
        return;
      }
      case 'connection.put': {
        const parsed = parseJsonBody(body);
        const state = readConnectionState(parsed);
        const connection = world.updateConnectionState(
          matched.resourceId,
          p.name ?? '',
          state,
          headerOf(request, 'if-match'),
        );
        const pls = world.requirePls(matched.resourceId);
        sendJson(response, 200, connectionJson(pls, connection));
        emit(
          writeEvent(
            connectionId(pls, connection),
            'Microsoft.Network/privateLinkServices/privateEndpointConnections/write',
            'PUT',
            pls.subscriptionId,
            correlationId,
          ),
        );
        return;
      }
      case 'connection.delete': {
        const pls = world.privateLinkService(matched.resourceId);
        const connection = world.connection(matched.resourceId, p.name ?? '');
        if (pls === undefined || connection === undefined) {
          // ARM answers a delete of something already gone with 204: deletes are idempotent.
          response.writeHead(204).end();
          return;
        }
        const id = connectionId(pls, connection);
        if (connection.provisioningState !== 'Deleting') {
          world.markConnectionDeleting(pls.id, connection.name);
          const operationId = startOperation(pls.subscriptionId, pls.location, () => {
            if (world.removeConnection(pls.id, connection.name)) {
              emit(
                writeEvent(
                  id,
                  'Microsoft.Network/privateLinkServices/privateEndpointConnections/delete',
                  'DELETE',
                  pls.subscriptionId,
                  correlationId,
                ),
              );
            }
          });
          acceptedLro(response, pls.subscriptionId, pls.location, operationId, apiVersion);
          return;
        }
        response.writeHead(204).end();
        return;
      }
      case 'endpoint.get': {
        const endpoint = world.requirePrivateEndpoint(matched.resourceId);
        sendJson(response, 200, privateEndpointJson(world, endpoint));
        return;
      }
      case 'endpoint.put': {
        const spec = readPrivateEndpointBody(parseJsonBody(body), matched.resourceId);
        const { endpoint, created } = world.createPrivateEndpoint(spec);
        const operationId = startOperation(endpoint.subscriptionId, endpoint.location, () => undefined);
        response.setHeader(
          'Azure-AsyncOperation',
          `${origin}/subscriptions/${endpoint.subscriptionId}/providers/Microsoft.Network/locations/${endpoint.location}/operations/${operationId}?api-version=${apiVersion}`,
        );
        sendJson(response, created ? 201 : 200, privateEndpointJson(world, endpoint));
        if (created) {
          const pls = world.resolveTarget(endpoint.target);
          emit({
            ...writeEvent(
              endpoint.id,
              'Microsoft.Network/privateEndpoints/write',
              'PUT',
              endpoint.subscriptionId,
              correlationId,
            ),
            ...(pls === undefined
              ? {}
              : {
                  relatedConnectionId: `${pls.id}/privateEndpointConnections/${endpoint.plsConnectionName}`,
                }),
          });
        }
        return;
      }
      case 'endpoint.delete': {
        const endpoint = world.privateEndpoint(matched.resourceId);
        if (endpoint === undefined) {
          response.writeHead(204).end();
          return;
        }
        world.markPrivateEndpointDeleting(endpoint.id);
        const operationId = startOperation(endpoint.subscriptionId, endpoint.location, () => {
          const removed = world.removePrivateEndpoint(endpoint.id);
          emit({
            ...writeEvent(
              endpoint.id,
              'Microsoft.Network/privateEndpoints/delete',
              'DELETE',
              endpoint.subscriptionId,
              correlationId,
            ),
            ...(removed === undefined ? {} : { relatedConnectionId: removed }),
          });
        });
        acceptedLro(response, endpoint.subscriptionId, endpoint.location, operationId, apiVersion);
        return;
      }
      case 'operation.get': {
        const operation = operations.get(p.id ?? '');
        if (operation === undefined || operation.subscriptionId !== matched.subscriptionId.toLowerCase()) {
          sendError(response, 404, 'OperationNotFound', `The operation '${p.id ?? ''}' could not be found.`);
          return;
        }
        if (options.lroRetryAfterSeconds !== undefined && operation.status === 'InProgress') {
          response.setHeader('Retry-After', String(options.lroRetryAfterSeconds));
        }
        if (p.flavour === 'operationresults') {
          if (operation.status === 'InProgress') {
            response.setHeader('Location', `${origin}${url.pathname}${url.search}`);
            response.writeHead(202).end();
          } else response.writeHead(204).end();
          return;
        }
        sendJson(response, 200, { status: operation.status });
        return;
      }
      case 'unknown':
        sendError(response, 404, 'InvalidResourceType', 'Not served by the ARM emulator.');
        return;
    }
  }

  /**
   * Not ARM: `PUT /emulator/subscriptions/{id}` with `{"tenantId": "..."}` declares who owns a
   * subscription, so a lab user (lab:consumer) can play a consumer from a tenant of their choosing.
   */
  async function serveEmulatorControl(
    method: string,
    url: URL,
    body: string,
    authenticated: boolean,
    response: ServerResponse,
  ): Promise<boolean> {
    const match = /^\/emulator\/subscriptions\/([0-9a-f-]{36})$/i.exec(url.pathname);
    if (match === null || method !== 'PUT') return false;
    if (!authenticated) {
      sendError(response, 401, 'AuthenticationFailed', "The 'Authorization' header is missing.");
      return true;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    const tenantId = (parsed as { tenantId?: unknown } | null | undefined)?.tenantId;
    if (
      typeof tenantId !== 'string' ||
      !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tenantId)
    ) {
      sendError(response, 400, 'InvalidRequestContent', 'Expected {"tenantId": "<guid>"}.');
      return true;
    }
    world.addSubscription(match[1] ?? '', tenantId);
    sendJson(response, 200, {
      subscriptionId: (match[1] ?? '').toLowerCase(),
      tenantId: tenantId.toLowerCase(),
    });
    return true;
  }

  function acceptedLro(
    response: ServerResponse,
    subscriptionId: string,
    location: string,
    operationId: string,
    apiVersion: string,
  ): void {
    const base = `${origin}/subscriptions/${subscriptionId}/providers/Microsoft.Network/locations/${location}`;
    response.setHeader('Azure-AsyncOperation', `${base}/operations/${operationId}?api-version=${apiVersion}`);
    response.setHeader('Location', `${base}/operationResults/${operationId}?api-version=${apiVersion}`);
    if (options.lroRetryAfterSeconds !== undefined)
      response.setHeader('Retry-After', String(options.lroRetryAfterSeconds));
    response.writeHead(202).end();
  }

  function writeEvent(
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
      tenantId: world.tenantOf(subscriptionId),
      correlationId,
      httpMethod,
      status: 'Succeeded',
      time: new Date(),
    };
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

function route(
  kind: RouteKind,
  subscriptionId: string,
  resourceId: string,
  params: Record<string, string> = {},
): Route {
  return { kind, subscriptionId: subscriptionId.toLowerCase(), resourceId, params };
}

function plsIdOf(sub: string, rg: string, pls: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/privateLinkServices/${pls}`;
}

function matchRoute(pathname: string, method: string): Route | undefined {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  for (const candidate of ROUTES) {
    const match = candidate.pattern.exec(path);
    if (match !== null) {
      const groups = match.slice(1).map((g) => safeDecode(g ?? ''));
      return candidate.build(groups, method);
    }
  }
  return undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function isAuthenticated(request: IncomingMessage, expectedToken: string | undefined): boolean {
  const header = request.headers.authorization;
  if (header === undefined) return false;
  const match = /^Bearer\s+(\S+)$/.exec(header);
  if (match === null) return false;
  return expectedToken === undefined || match[1] === expectedToken;
}

/** ARM's 401: the challenge names the authority of the subscription's tenant when ARM knows it. */
function challenge(response: ServerResponse, tenantId: string | undefined, tokenGiven: boolean): void {
  const description = tokenGiven
    ? 'The access token is invalid.'
    : "The authentication failed because of missing 'Authorization' header.";
  response.setHeader(
    'WWW-Authenticate',
    `Bearer authorization_uri="https://login.windows.net/${tenantId ?? ''}", error="invalid_token", error_description="${description}"`,
  );
  if (tokenGiven) sendError(response, 401, 'InvalidAuthenticationToken', 'The access token is invalid.');
  else
    sendError(
      response,
      401,
      'AuthenticationFailed',
      "Authentication failed. The 'Authorization' header is missing.",
    );
}

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 1024 * 1024) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJsonBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new EmulatorError(
      400,
      'InvalidRequestContent',
      'The request content was invalid and could not be deserialized.',
    );
  }
}

function readConnectionState(body: unknown): {
  status: string;
  description?: string;
  actionsRequired?: string;
} {
  const state = (
    body as { properties?: { privateLinkServiceConnectionState?: Record<string, unknown> } } | null
  )?.properties?.privateLinkServiceConnectionState;
  if (state === undefined || state === null || typeof state.status !== 'string') {
    throw new EmulatorError(
      400,
      'InvalidRequestFormat',
      'properties.privateLinkServiceConnectionState.status is required to update a private endpoint connection.',
    );
  }
  return {
    status: state.status,
    ...(typeof state.description === 'string' ? { description: state.description } : {}),
    ...(typeof state.actionsRequired === 'string' ? { actionsRequired: state.actionsRequired } : {}),
  };
}

interface PeConnectionBody {
  name?: unknown;
  properties?: { privateLinkServiceId?: unknown; requestMessage?: unknown };
}

function readPrivateEndpointBody(body: unknown, id: string) {
  const b = (body ?? {}) as {
    location?: unknown;
    properties?: {
      subnet?: { id?: unknown };
      manualPrivateLinkServiceConnections?: PeConnectionBody[];
      privateLinkServiceConnections?: PeConnectionBody[];
    };
  };
  if (typeof b.location !== 'string' || b.location === '') {
    throw new EmulatorError(
      400,
      'LocationRequired',
      'The location property is required for this definition.',
    );
  }
  const manual = b.properties?.manualPrivateLinkServiceConnections ?? [];
  const automatic = b.properties?.privateLinkServiceConnections ?? [];
  const all = [...manual, ...automatic];
  const connection = all[0];
  const target = connection?.properties?.privateLinkServiceId;
  if (all.length !== 1 || connection === undefined || typeof target !== 'string' || target === '') {
    throw new EmulatorError(
      400,
      'InvalidPrivateEndpointConnections',
      'A private endpoint needs exactly one private link service connection with properties.privateLinkServiceId.',
    );
  }
  const requestMessage = connection.properties?.requestMessage;
  const subnetId = b.properties?.subnet?.id;
  return {
    id,
    location: b.location.toLowerCase().replaceAll(' ', ''),
    target,
    manual: manual.length === 1,
    ...(typeof requestMessage === 'string' ? { requestMessage } : {}),
    ...(typeof connection.name === 'string' ? { connectionName: connection.name } : {}),
    ...(typeof subnetId === 'string' ? { subnetId } : {}),
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-cache',
  });
  response.end(text);
}

function sendError(response: ServerResponse, status: number, code: string, message: string): void {
  sendJson(response, status, errorJson(code, message));
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
