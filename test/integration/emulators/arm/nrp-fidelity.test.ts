import type { NetworkManagementClient } from '@azure/arm-network';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ArmEmulator, startArmEmulator } from '../../../../emulators/arm';
import { type ArmErrorJson, armErrorJsonSchema } from '../../../../emulators/arm/arm-json';
import { ArmNetworkGateway, createNetworkClient } from '../../../../shared/arm/arm-network-gateway';
import { appErrorFrom } from '../../../helpers/app-errors';
import {
  PROVIDER_SUBSCRIPTION,
  PROVIDER_TENANT,
  plsIdOf,
  populateConnections,
  staticArmCredential,
  useArmEmulator,
} from '../../../helpers/arm-emulator';
import { parseJson } from '../../../helpers/parse-body';

/**
 * The emulator behaves as NRP does where public sources say how (each behaviour cites its source in
 * emulators/arm), seen through the real @azure/arm-network client and our gateway.
 */

const CONSUMER = 'c0000000-0000-4000-8000-0000000000c1';
const CONSUMER_TENANT = 'bbbbbbbb-0000-4000-8000-0000000000c1';
const SCOPE = 'https://management.azure.com/.default';
const arm = useArmEmulator({ lroDurationMs: 400 });
let counter = 0;

/** A raw client without our retries: every answer, 429s included, reaches the test. */
function rawClient(subscriptionId: string, emulator: ArmEmulator = arm.emulator, token?: string) {
  return createNetworkClient(subscriptionId, {
    endpoint: new URL(emulator.url),
    scope: SCOPE,
    credential: staticArmCredential(token),
    retry: { maxAttempts: 1 },
    pacing: false,
  });
}

function gateway(
  emulator: ArmEmulator = arm.emulator,
  extra: Partial<ConstructorParameters<typeof ArmNetworkGateway>[0]> = {},
) {
  return new ArmNetworkGateway({
    endpoint: new URL(emulator.url),
    scope: SCOPE,
    credential: staticArmCredential(),
    retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 40, maxTotalWaitMs: 5_000 },
    lroPollIntervalMs: 5,
    ...extra,
  });
}

function freshPls(options: { autoApproval?: string[] } = {}) {
  counter += 1;
  return arm.emulator.world.addPrivateLinkService({ id: plsIdOf(`pls-nrp-${counter}`), ...options });
}

/** A fresh PLS holding one Pending connection from the consumer subscription. */
function plsWithOneConnection() {
  const pls = freshPls();
  const [connection] = populateConnections(arm.emulator.world, {
    plsIds: [pls.id],
    perPls: 1,
    consumerSubscriptions: [CONSUMER],
  });
  return { pls, connection };
}

async function restErrorOf(promise: Promise<unknown>): Promise<{
  statusCode: number | undefined;
  code: string | undefined;
  body: ArmErrorJson;
  retryAfter: string | undefined;
}> {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as
    | {
        statusCode?: number;
        code?: string;
        response?: { bodyAsText?: string; headers: { get(name: string): string | undefined } };
      }
    | undefined;
  expect(error).toBeDefined();
  return {
    statusCode: error?.statusCode,
    code: error?.code,
    body: parseJson(armErrorJsonSchema, JSON.parse(error?.response?.bodyAsText ?? 'null')),
    retryAfter: error?.response?.headers.get('retry-after'),
  };
}

function createEndpoint(
  client: NetworkManagementClient,
  name: string,
  target: string,
  options: { manual: boolean; status?: string; requestMessage?: string },
) {
  const connection = {
    name: `${name}-conn`,
    privateLinkServiceId: target,
    requestMessage: options.requestMessage ?? 'CHG0000042 - please',
    ...(options.status === undefined
      ? {}
      : { privateLinkServiceConnectionState: { status: options.status, description: 'again' } }),
  };
  return client.privateEndpoints.beginCreateOrUpdateAndWait(
    'rg-consumer',
    name,
    {
      location: 'westeurope',
      subnet: {
        id: `/subscriptions/${CONSUMER}/resourceGroups/rg-consumer/providers/Microsoft.Network/virtualNetworks/v/subnets/s`,
      },
      ...(options.manual
        ? { manualPrivateLinkServiceConnections: [connection] }
        : { privateLinkServiceConnections: [connection] }),
    },
    { updateIntervalInMs: 5 },
  );
}

beforeAll(() => {
  arm.emulator.world.addSubscription(CONSUMER, CONSUMER_TENANT);
});
beforeEach(() => {
  arm.emulator.faults.clear();
});

describe('NRP fidelity: provider writes', () => {
  it('answers a PUT on a vanished connection 400 PrivateEndpointConnectionCannotBeCreatedByServiceProvider; the gateway calls it arm_not_found', async () => {
    const pls = freshPls();
    const client = await rawClient(PROVIDER_SUBSCRIPTION);
    const raw = await restErrorOf(
      client.privateLinkServices.updatePrivateEndpointConnection('rg-provider', pls.name, 'gone.1', {
        privateLinkServiceConnectionState: { status: 'Approved', description: 'x' },
      }),
    );
    expect(raw.statusCode).toBe(400);
    expect(raw.body.error.code).toBe('PrivateEndpointConnectionCannotBeCreatedByServiceProvider');
    const error = await appErrorFrom(
      gateway().updateConnectionState(pls.id, 'gone.1', { status: 'Approved', description: 'x' }),
    );
    expect(error).toMatchObject({
      code: 'arm_not_found',
      upstreamCode: 'PrivateEndpointConnectionCannotBeCreatedByServiceProvider',
    });
  });

  it('answers a write on a connection being deleted 429 RetryableErrorDueToAnotherOperation with Retry-After', async () => {
    const { pls, connection } = plsWithOneConnection();
    const name = connection?.name ?? '';
    const client = await rawClient(PROVIDER_SUBSCRIPTION);
    await client.privateLinkServices.beginDeletePrivateEndpointConnection('rg-provider', pls.name, name);
    const raw = await restErrorOf(
      client.privateLinkServices.updatePrivateEndpointConnection('rg-provider', pls.name, name, {
        privateLinkServiceConnectionState: { status: 'Approved', description: 'x' },
      }),
    );
    expect(raw.statusCode).toBe(429);
    expect(raw.body.error.code).toBe('RetryableErrorDueToAnotherOperation');
    expect(raw.retryAfter).toBe('1');
    // The gateway waits as told; by then the delete is done and the connection has vanished.
    const error = await appErrorFrom(
      gateway().updateConnectionState(pls.id, name, { status: 'Approved', description: 'x' }),
    );
    expect(error.code).toBe('arm_not_found');
  });

  it('answers a stale If-Match 412 PreconditionFailed with details[].code PreconditionFailedEtagMismatch', async () => {
    const { pls, connection } = plsWithOneConnection();
    const client = await rawClient(PROVIDER_SUBSCRIPTION);
    const raw = await restErrorOf(
      client.privateLinkServices.updatePrivateEndpointConnection(
        'rg-provider',
        pls.name,
        connection?.name ?? '',
        { privateLinkServiceConnectionState: { status: 'Approved', description: 'x' } },
        { requestOptions: { customHeaders: { 'If-Match': 'W/"stale"' } } },
      ),
    );
    expect(raw.statusCode).toBe(412);
    expect(raw.body.error.code).toBe('PreconditionFailed');
    expect(raw.body.error.details?.map((d) => d.code)).toEqual(['PreconditionFailedEtagMismatch']);
  });

  it('sends x-ms-ratelimit-remaining-subscription-reads/-writes on every answer, errors included', async () => {
    const { pls, connection } = plsWithOneConnection();
    const client = await rawClient(PROVIDER_SUBSCRIPTION);
    const seen: Record<string, string | undefined>[] = [];
    const onResponse = (raw: { headers: { get(name: string): string | undefined } }) =>
      seen.push({
        reads: raw.headers.get('x-ms-ratelimit-remaining-subscription-reads'),
        writes: raw.headers.get('x-ms-ratelimit-remaining-subscription-writes'),
      });
    await client.privateLinkServices.get('rg-provider', pls.name, { onResponse });
    await client.privateLinkServices.updatePrivateEndpointConnection(
      'rg-provider',
      pls.name,
      connection?.name ?? '',
      { privateLinkServiceConnectionState: { status: 'Approved', description: 'ok' } },
      { onResponse },
    );
    await client.privateLinkServices
      .getPrivateEndpointConnection('rg-provider', pls.name, 'missing.1', { onResponse })
      .catch(() => undefined);
    expect(seen).toHaveLength(3);
    expect(seen[0]?.reads).toMatch(/^\d+$/);
    expect(seen[1]?.writes).toMatch(/^\d+$/);
    expect(seen[2]?.reads).toMatch(/^\d+$/);
  });
});

describe('NRP fidelity: consumer requests', () => {
  it('approves at creation a connection from a subscription on the PLS auto-approval list, manual or automatic', async () => {
    const pls = freshPls({ autoApproval: [CONSUMER] });
    const client = await rawClient(CONSUMER);
    const automatic = await createEndpoint(client, `pe-auto-${counter}`, pls.id, { manual: false });
    const manual = await createEndpoint(client, `pe-auto-m-${counter}`, pls.alias, { manual: true });
    expect(automatic.privateLinkServiceConnections?.[0]?.privateLinkServiceConnectionState?.status).toBe(
      'Approved',
    );
    expect(manual.manualPrivateLinkServiceConnections?.[0]?.privateLinkServiceConnectionState?.status).toBe(
      'Approved',
    );
    const connections = await gateway().listPlsConnections(pls.id);
    expect(connections.map((c) => c.status)).toEqual(['Approved', 'Approved']);
  });

  it('refuses an automatic request across tenants without listing: 403 LinkedAuthorizationFailed, no connection', async () => {
    expect(arm.emulator.world.tenantOf(PROVIDER_SUBSCRIPTION)).toBe(PROVIDER_TENANT);
    const pls = freshPls();
    const client = await rawClient(CONSUMER);
    const raw = await restErrorOf(createEndpoint(client, `pe-auto-no-${counter}`, pls.id, { manual: false }));
    expect(raw.statusCode).toBe(403);
    expect(raw.body.error.code).toBe('LinkedAuthorizationFailed');
    expect(await gateway().listPlsConnections(pls.id)).toEqual([]);
    // The same request made manually arrives Pending, as Private Link documents for other tenants.
    await createEndpoint(client, `pe-auto-no-${counter}`, pls.id, { manual: true });
    expect((await gateway().listPlsConnections(pls.id)).map((c) => c.status)).toEqual(['Pending']);
  });

  it('lets the consumer set a Rejected connection back to Pending by re-sending its endpoint', async () => {
    const pls = freshPls();
    const client = await rawClient(CONSUMER);
    const name = `pe-again-${counter}`;
    await createEndpoint(client, name, pls.id, { manual: true, requestMessage: 'CHG0000077 - first' });
    const [connection] = await gateway().listPlsConnections(pls.id);
    await gateway().updateConnectionState(pls.id, connection?.name ?? '', {
      status: 'Rejected',
      description: 'no ticket',
    });
    // Re-sending without asking again changes nothing.
    await createEndpoint(client, name, pls.id, { manual: true, requestMessage: 'CHG0000077 - first' });
    expect((await gateway().readConnection(pls.id, connection?.name ?? '')).status).toBe('Rejected');
    await createEndpoint(client, name, pls.id, {
      manual: true,
      status: 'Pending',
      requestMessage: 'CHG0000077 - first',
    });
    const again = await gateway().readConnection(pls.id, connection?.name ?? '');
    expect(again).toMatchObject({ status: 'Pending', description: 'CHG0000077 - first' });
    expect(again.etag).not.toBe(connection?.etag);
  });
});

describe('ARM token buckets (rateLimits.enforce)', () => {
  let limited: ArmEmulator;
  beforeAll(async () => {
    limited = await startArmEmulator({
      lroDurationMs: 5,
      rateLimits: {
        enforce: true,
        reads: { burst: 60, refillPerSecond: 25 },
        writes: { burst: 30, refillPerSecond: 10 },
      },
    });
    limited.world.addSubscription(PROVIDER_SUBSCRIPTION, PROVIDER_TENANT);
  });
  afterAll(async () => {
    await limited.stop();
  });

  function limitedPls(perPls: number) {
    counter += 1;
    const pls = limited.world.addPrivateLinkService({ id: plsIdOf(`pls-limits-${counter}`) });
    const connections = populateConnections(limited.world, {
      plsIds: [pls.id],
      perPls,
      consumerSubscriptions: [CONSUMER],
    });
    return { pls, connections };
  }

  it('refuses the write after the burst with 429, Retry-After and remaining 0, per subscription and principal', async () => {
    const { pls, connections } = limitedPls(32);
    // Its own principal (token), so earlier tests' requests do not share the bucket.
    const client = await rawClient(PROVIDER_SUBSCRIPTION, limited, `principal-${counter}`);
    const remaining: (string | undefined)[] = [];
    const put = (name: string) =>
      client.privateLinkServices.updatePrivateEndpointConnection(
        'rg-provider',
        pls.name,
        name,
        { privateLinkServiceConnectionState: { status: 'Approved', description: 'ok' } },
        {
          onResponse: (raw) =>
            remaining.push(raw.headers.get('x-ms-ratelimit-remaining-subscription-writes')),
        },
      );
    // Until the bucket is empty (a refill may land meanwhile on a slow machine, so count, do not assume).
    let refused: Awaited<ReturnType<typeof restErrorOf>> | undefined;
    let sent = 0;
    while (refused === undefined && sent < 60) {
      const name = connections[sent % 30]?.name ?? '';
      sent += 1;
      const failure = await put(name).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (failure !== undefined) refused = await restErrorOf(Promise.reject(failure));
    }
    expect(remaining.slice(0, 3)).toEqual(['29', '28', '27']);
    expect(sent).toBeGreaterThanOrEqual(30);
    expect(refused?.statusCode).toBe(429);
    expect(refused?.body.error.code).toBe('SubscriptionRequestsThrottled');
    expect(Number(refused?.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(remaining.at(-1)).toBe('0');
    // Reads have their own bucket, and another principal its own writes.
    await client.privateLinkServices.get('rg-provider', pls.name);
    const other = await rawClient(PROVIDER_SUBSCRIPTION, limited, `other-${counter}`);
    await other.privateLinkServices.updatePrivateEndpointConnection(
      'rg-provider',
      pls.name,
      connections[31]?.name ?? '',
      {
        privateLinkServiceConnectionState: { status: 'Approved', description: 'ok' },
      },
    );
    // A second later the bucket has refilled.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await put(connections[0]?.name ?? '');
  });

  it('the gateway paces itself on the remaining headers: a backlog past the burst gets no 429', async () => {
    const { pls, connections } = limitedPls(60);
    const before = limited.requestLog.entries.length;
    // A fresh principal: its bucket starts full. Reserve: one second's refill, as for ARM's own limits.
    const gw = gateway(limited, {
      credential: staticArmCredential(`pacer-${counter}`),
      pacing: { reserve: 12, refillPerSecond: { writes: 10 } },
    });
    await Promise.all(
      connections.map((c) =>
        gw.updateConnectionState(pls.id, c.name, { status: 'Approved', description: 'ok' }),
      ),
    );
    const answered = limited.requestLog.entries.slice(before);
    expect(answered.filter((e) => e.kind === 'connection.put')).toHaveLength(60);
    expect(answered.filter((e) => e.status === 429)).toHaveLength(0);
    expect(gw.metrics.snapshot().pacedRequests).toBeGreaterThan(0);
  });

  it('without pacing the same backlog runs into 429s (what the pacing prevents)', async () => {
    const { pls, connections } = limitedPls(60);
    const before = limited.requestLog.entries.length;
    const gw = gateway(limited, {
      credential: staticArmCredential(`unpaced-${counter}`),
      pacing: false,
      retry: { maxAttempts: 10, baseDelayMs: 10, maxDelayMs: 40, maxTotalWaitMs: 20_000 },
    });
    await Promise.all(
      connections.map((c) =>
        gw.updateConnectionState(pls.id, c.name, { status: 'Approved', description: 'ok' }),
      ),
    );
    expect(limited.requestLog.entries.slice(before).filter((e) => e.status === 429).length).toBeGreaterThan(
      0,
    );
  });
});
