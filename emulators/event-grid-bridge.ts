/*
 * Plays an Event Grid system topic on the provider's subscription (`Microsoft.Resources.Subscriptions`)
 * with a webhook subscription to the local host: every successful ARM write the emulator reports becomes
 * an Event Grid schema event (`ResourceWriteSuccess` / `ResourceDeleteSuccess`, with ARM's operation
 * name, the resource as subject, the caller's claims and correlation id), POSTed to
 * `/runtime/webhooks/eventgrid?functionName=...` with `aeg-event-type: Notification`, retried like
 * Event Grid does (5xx, 408, 429 and network errors; 400 and 413 are dead-lettered at once).
 *
 * What is published: writes and deletes of the provider's own resources (our approve/reject PUTs and
 * connection deletes: Azure certainly emits these). A consumer creating or deleting a private endpoint in
 * its own subscription lands in the consumer's topic, not the provider's; whether Azure also emits a
 * provider-side connection event for it is not documented, so that is the `consumerCreates` switch
 * (default off): with it off, only reconciliation can discover new connections.
 *
 * Who wrote: ARM puts the claims of the caller's token in `data.claims` (`ResourceWriteSuccessEventData`,
 * "Azure Resource Manager as an Event Grid source"), and the product tells its own writes from everyone
 * else's by the `appid` there. A write sent with a JWT-shaped token carries that token's claims, so a
 * test or lab user acts as another principal (the portal, a person's CLI) by sending one; a write sent
 * with an opaque token (the app's, in the lab) is attributed to `providerAppId`, the app's identity.
 */
import { randomUUID } from 'node:crypto';
import { resourceGroupOf, tryParseAnyResourceId } from '../shared/arm/resource-id';
import type { ArmEmulator, ArmWriteEvent } from './arm/arm-emulator';

export const RESOURCE_WRITE_SUCCESS = 'Microsoft.Resources.ResourceWriteSuccess';
export const RESOURCE_DELETE_SUCCESS = 'Microsoft.Resources.ResourceDeleteSuccess';
const CONNECTION_WRITE = 'Microsoft.Network/privateLinkServices/privateEndpointConnections/write';
const CONNECTION_DELETE = 'Microsoft.Network/privateLinkServices/privateEndpointConnections/delete';
const ENDPOINT_WRITE = 'microsoft.network/privateendpoints/write';
const ENDPOINT_DELETE = 'microsoft.network/privateendpoints/delete';

/** Event Grid's schedule is 10 s, 30 s, 1 min, 5 min, ...; the lab compresses it so a retry is seen quickly. */
export const LAB_RETRY_DELAYS_MS = [1_000, 3_000, 10_000, 30_000] as const;

/** The application ids that appear in the events' `claims.appid` (made up; the lab has no Entra). */
export const LAB_PROVIDER_APP_ID = '0a1b2c3d-0000-4000-8000-00000000a001';
export const LAB_CONSUMER_APP_ID = '0a1b2c3d-0000-4000-8000-00000000c001';

export interface EventGridEventJson {
  readonly id: string;
  readonly topic: string;
  readonly subject: string;
  readonly eventType: string;
  readonly eventTime: string;
  readonly data: Record<string, unknown>;
  readonly dataVersion: string;
  readonly metadataVersion: string;
}

/** What an event is made from: the emulator's write (the resource, operation and subscription whose topic publishes it) and who made it. */
export interface EventSource
  extends Pick<
    ArmWriteEvent,
    | 'resourceId'
    | 'operationName'
    | 'kind'
    | 'subscriptionId'
    | 'tenantId'
    | 'correlationId'
    | 'httpMethod'
    | 'time'
  > {
  /** Who made the change (claims `appid`) and in which tenant they signed in, when the caller's token had no claims of its own. */
  readonly callerAppId: string;
  readonly callerTenantId: string | undefined;
  /** The claims of the caller's token (a JWT): put in the event as they are, as ARM does. */
  readonly callerClaims?: Readonly<Record<string, string>>;
}

/** One Event Grid schema event, shaped like Azure's subscription system topic deliveries. */
export function resourceEvent(source: EventSource, armOrigin: string): EventGridEventJson {
  const resourceGroup = resourceGroupOf(source.resourceId) ?? '';
  const issuer = `https://sts.windows.net/${source.callerTenantId ?? source.tenantId ?? ''}/`;
  const issuedAt = Math.floor(source.time.getTime() / 1000);
  return {
    id: randomUUID(),
    topic: `/subscriptions/${source.subscriptionId}`,
    subject: source.resourceId,
    eventType: source.kind === 'write' ? RESOURCE_WRITE_SUCCESS : RESOURCE_DELETE_SUCCESS,
    eventTime: source.time.toISOString(),
    data: {
      authorization: {
        scope: source.resourceId,
        action: source.operationName,
        evidence: { role: 'Lab', principalType: 'ServicePrincipal' },
      },
      claims: source.callerClaims ?? {
        aud: 'https://management.core.windows.net/',
        iss: issuer,
        iat: String(issuedAt),
        nbf: String(issuedAt),
        exp: String(issuedAt + 3600),
        appid: source.callerAppId,
        appidacr: '2',
        'http://schemas.microsoft.com/identity/claims/tenantid': source.callerTenantId ?? '',
        ver: '1.0',
      },
      correlationId: source.correlationId,
      httpRequest: {
        clientRequestId: randomUUID(),
        clientIpAddress: '127.0.0.1',
        method: source.httpMethod,
        url: `${armOrigin}${source.resourceId}`,
      },
      resourceProvider: 'Microsoft.Network',
      resourceGroup,
      resourceUri: source.resourceId,
      operationName: source.operationName,
      status: 'Succeeded',
      subscriptionId: source.subscriptionId,
      tenantId: source.tenantId ?? '',
    },
    dataVersion: '2',
    metadataVersion: '1',
  };
}

/**
 * What the provider's topic publishes for one emulator write, or undefined. Provider writes pass as
 * they are; a consumer's endpoint write/delete becomes a provider-side connection event only with
 * `consumerCreates` on.
 */
export function sourceForWrite(
  write: ArmWriteEvent,
  context: {
    readonly topicSubscriptions: ReadonlySet<string>;
    readonly consumerCreates: boolean;
    readonly tenantOf: (subscriptionId: string) => string | undefined;
    readonly providerAppId: string;
  },
): EventSource | undefined {
  const operation = write.operationName.toLowerCase();
  if (operation === ENDPOINT_WRITE || operation === ENDPOINT_DELETE) {
    if (!context.consumerCreates || write.relatedConnectionId === undefined) return undefined;
    const providerSubscription = subscriptionOf(write.relatedConnectionId);
    if (providerSubscription === undefined || !context.topicSubscriptions.has(providerSubscription))
      return undefined;
    return {
      resourceId: write.relatedConnectionId,
      operationName: operation === ENDPOINT_WRITE ? CONNECTION_WRITE : CONNECTION_DELETE,
      kind: write.kind,
      subscriptionId: providerSubscription,
      tenantId: context.tenantOf(providerSubscription),
      correlationId: write.correlationId,
      httpMethod: write.httpMethod,
      time: write.time,
      callerAppId: LAB_CONSUMER_APP_ID,
      callerTenantId: write.tenantId,
      ...(write.callerClaims === undefined ? {} : { callerClaims: write.callerClaims }),
    };
  }
  if (!context.topicSubscriptions.has(write.subscriptionId.toLowerCase())) return undefined;
  return {
    resourceId: write.resourceId,
    operationName: write.operationName,
    kind: write.kind,
    subscriptionId: write.subscriptionId.toLowerCase(),
    tenantId: write.tenantId,
    correlationId: write.correlationId,
    httpMethod: write.httpMethod,
    time: write.time,
    callerAppId: context.providerAppId,
    callerTenantId: write.tenantId,
    ...(write.callerClaims === undefined ? {} : { callerClaims: write.callerClaims }),
  };
}

export interface DeliveryOutcome {
  readonly event: EventGridEventJson;
  readonly outcome: 'delivered' | 'retrying' | 'dead-lettered';
  readonly attempt: number;
  /** HTTP status of the attempt, or 0 when the webhook could not be reached. */
  readonly status: number;
}

export interface EventGridBridgeOptions {
  readonly emulator: Pick<ArmEmulator, 'world' | 'onWrite' | 'url'>;
  /** Full webhook URL, e.g. `http://127.0.0.1:7071/runtime/webhooks/eventgrid?functionName=onConnectionEvent`. */
  readonly webhookUrl: string;
  /** Subscriptions whose system topic is subscribed; defaults to those of every PLS in the emulator at start. */
  readonly topicSubscriptions?: readonly string[];
  readonly consumerCreates?: boolean;
  /** Per endpoint override of `consumerCreates` (by private endpoint id); undefined falls back to the switch. */
  readonly consumerCreatesFor?: (privateEndpointId: string) => boolean | undefined;
  /** Delay before each retry; one entry per retry (then the event is dead-lettered). */
  readonly retryDelaysMs?: readonly number[];
  /** Per-attempt timeout (Event Grid waits 30 s). */
  readonly attemptTimeoutMs?: number;
  /** `claims.appid` of provider writes sent with an opaque token (our approve/reject): the app's identity in Azure (its AZURE_CLIENT_ID). */
  readonly providerAppId?: string;
  readonly onDelivery?: (outcome: DeliveryOutcome) => void;
}

export interface EventGridBridge {
  /** Whether consumer-side creates/deletes publish a provider-side event (can change while running). */
  consumerCreates: boolean;
  readonly counts: { readonly published: number; readonly delivered: number; readonly deadLettered: number };
  /** Resolves when nothing is in flight or waiting for a retry. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function startEventGridBridge(options: EventGridBridgeOptions): EventGridBridge {
  const { emulator } = options;
  const topicSubscriptions = new Set(
    (options.topicSubscriptions ?? emulator.world.privateLinkServices().map((pls) => pls.subscriptionId)).map(
      (s) => s.toLowerCase(),
    ),
  );
  const retryDelays = options.retryDelaysMs ?? LAB_RETRY_DELAYS_MS;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 30_000;
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  const controller = new AbortController();
  const counts = { published: 0, delivered: 0, deadLettered: 0 };
  let stopped = false;
  let idleWaiters: (() => void)[] = [];

  const settleIdle = () => {
    if (timers.size > 0 || inFlight.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const attempt = (event: EventGridEventJson, number: number) => {
    const run = post(options.webhookUrl, event, number - 1, attemptTimeoutMs, controller.signal).then(
      (status) => {
        if (stopped) return;
        const ok = status >= 200 && status < 300;
        const retryable = status === 0 || status === 404 || status === 408 || status === 429 || status >= 500;
        const delay = retryDelays[number - 1];
        const outcome: DeliveryOutcome['outcome'] = ok
          ? 'delivered'
          : retryable && delay !== undefined
            ? 'retrying'
            : 'dead-lettered';
        if (outcome === 'delivered') counts.delivered += 1;
        if (outcome === 'dead-lettered') counts.deadLettered += 1;
        options.onDelivery?.({ event, outcome, attempt: number, status });
        if (outcome === 'retrying' && delay !== undefined) {
          const timer = setTimeout(() => {
            timers.delete(timer);
            attempt(event, number + 1);
          }, delay);
          timers.add(timer);
        }
      },
    );
    inFlight.add(run);
    void run.finally(() => {
      inFlight.delete(run);
      settleIdle();
    });
  };

  const bridge: EventGridBridge = {
    consumerCreates: options.consumerCreates ?? false,
    get counts() {
      return { ...counts };
    },
    idle() {
      if (timers.size === 0 && inFlight.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async stop() {
      stopped = true;
      unsubscribe();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      controller.abort();
      await Promise.allSettled([...inFlight]);
      settleIdle();
    },
  };

  const unsubscribe = emulator.onWrite((write) => {
    if (stopped) return;
    const source = sourceForWrite(write, {
      topicSubscriptions,
      consumerCreates: options.consumerCreatesFor?.(write.resourceId) ?? bridge.consumerCreates,
      tenantOf: (s) => emulator.world.tenantOf(s),
      providerAppId: options.providerAppId ?? LAB_PROVIDER_APP_ID,
    });
    if (source === undefined) return;
    counts.published += 1;
    attempt(resourceEvent(source, emulator.url), 1);
  });
  return bridge;
}

/** One delivery attempt; the HTTP status, or 0 when the webhook could not be reached in time. */
async function post(
  url: string,
  event: EventGridEventJson,
  previousAttempts: number,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<number> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'aeg-event-type': 'Notification',
        'aeg-subscription-name': 'LAB-PROVIDER-CONNECTIONS',
        'aeg-delivery-count': String(previousAttempts),
      },
      body: JSON.stringify([event]),
      signal: AbortSignal.any([stop, AbortSignal.timeout(timeoutMs)]),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

function subscriptionOf(resourceId: string): string | undefined {
  return tryParseAnyResourceId(resourceId)?.subscriptionId.toLowerCase();
}
