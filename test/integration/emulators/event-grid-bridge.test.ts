import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ArmEmulator, startArmEmulator } from '../../../emulators/arm';
import {
  type DeliveryOutcome,
  type EventGridBridge,
  LAB_PROVIDER_APP_ID,
  startEventGridBridge,
} from '../../../emulators/event-grid-bridge';
import { eventGridBatchSchema } from '../../../scripts/local-host/event-grid-schemas';
import { parseConnectionEvent } from '../../../shared/approval/adapters/connection-event';
import {
  PROVIDER_SUBSCRIPTION,
  PROVIDER_TENANT,
  plsIdOf,
  privateEndpointIdOf,
  TEST_TOKEN,
} from '../../helpers/arm-emulator';

const CONSUMER = 'c0000000-0000-4000-8000-0000000000e1';
const CONSUMER_TENANT = 'bbbbbbbb-0000-0000-0000-0000000000e1';
const API = 'api-version=2025-05-01';

interface Received {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
  readonly url: string;
}

let emulator: ArmEmulator;
let webhook: Server;
let webhookUrl = '';
const received: Received[] = [];
/** Statuses the webhook answers with, in order; 202 once the script is used up. */
let script: number[] = [];
const plsId = plsIdOf('pls-bridge');

beforeAll(async () => {
  emulator = await startArmEmulator({ expectedToken: TEST_TOKEN, lroDurationMs: 5 });
  emulator.world.addSubscription(PROVIDER_SUBSCRIPTION, PROVIDER_TENANT);
  emulator.world.addSubscription(CONSUMER, CONSUMER_TENANT);
  emulator.world.addPrivateLinkService({ id: plsId });
  webhook = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        headers: request.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        url: request.url ?? '',
      });
      response.writeHead(script.shift() ?? 202).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/runtime/webhooks/eventgrid?functionName=onConnectionEvent`;
});
afterAll(async () => {
  await emulator?.stop();
  await new Promise<void>((resolve) => webhook.close(() => resolve()));
});
beforeEach(() => {
  received.length = 0;
  script = [];
});

async function arm(method: string, path: string, body?: unknown): Promise<Response> {
  const response = await fetch(`${emulator.url}${path}?${API}`, {
    method,
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status >= 400)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response;
}

/** A consumer's endpoint creation through ARM; returns the provider-side connection name. */
async function consumerCreates(name: string): Promise<string> {
  await arm('PUT', privateEndpointIdOf(CONSUMER, name), {
    location: 'westeurope',
    properties: {
      manualPrivateLinkServiceConnections: [
        { name, properties: { privateLinkServiceId: plsId, requestMessage: 'CHG0000002 - bridge' } },
      ],
    },
  });
  const connection = [...(emulator.world.privateLinkService(plsId)?.connections.values() ?? [])].find((c) =>
    c.privateEndpointId.endsWith(`/${name}`),
  );
  if (connection === undefined) throw new Error('no connection created');
  return connection.name;
}

function approve(connectionName: string): Promise<Response> {
  return arm('PUT', `${plsId}/privateEndpointConnections/${connectionName}`, {
    properties: { privateLinkServiceConnectionState: { status: 'Approved', description: 'ok' } },
  });
}

function bridgeWith(options: { consumerCreates?: boolean; retryDelaysMs?: number[] } = {}) {
  const outcomes: DeliveryOutcome[] = [];
  const bridge: EventGridBridge = startEventGridBridge({
    emulator,
    webhookUrl,
    retryDelaysMs: options.retryDelaysMs ?? [20, 20],
    onDelivery: (outcome) => outcomes.push(outcome),
    ...(options.consumerCreates === undefined ? {} : { consumerCreates: options.consumerCreates }),
  });
  return { bridge, outcomes };
}

describe('Event Grid bridge', () => {
  it('delivers our approve PUT as a ResourceWriteSuccess event the host accepts and the handler reads', async () => {
    const { bridge } = bridgeWith();
    try {
      const name = await consumerCreates('pe-bridge-approve');
      await approve(name);
      await bridge.idle();

      expect(received).toHaveLength(1); // the consumer's create is not on the provider's topic (switch off)
      const [delivery] = received;
      expect(delivery?.url).toContain('functionName=onConnectionEvent');
      expect(delivery?.headers['aeg-event-type']).toBe('Notification');
      const batch = eventGridBatchSchema.parse(delivery?.body);
      expect(batch).toHaveLength(1);
      const event = batch[0];
      const connectionId = `${plsId}/privateEndpointConnections/${name}`;
      expect(event).toMatchObject({
        eventType: 'Microsoft.Resources.ResourceWriteSuccess',
        subject: connectionId,
        topic: `/subscriptions/${PROVIDER_SUBSCRIPTION}`,
        dataVersion: '2',
        metadataVersion: '1',
        data: {
          operationName: 'Microsoft.Network/privateLinkServices/privateEndpointConnections/write',
          resourceUri: connectionId,
          subscriptionId: PROVIDER_SUBSCRIPTION,
          tenantId: PROVIDER_TENANT,
          status: 'Succeeded',
          claims: { appid: LAB_PROVIDER_APP_ID },
          httpRequest: { method: 'PUT' },
        },
      });
      expect((event?.data as { correlationId?: string } | undefined)?.correlationId).toMatch(
        /^[0-9a-f-]{36}$/,
      );

      const parsed = await parseConnectionEvent(event);
      expect(parsed).toMatchObject({
        kind: 'accepted',
        plsId,
        connectionName: name,
        caller: { kind: 'application', appId: LAB_PROVIDER_APP_ID },
      });
    } finally {
      await bridge.stop();
    }
  });

  it('a write sent with a JWT carries that token’s claims, as ARM’s events do: another principal is named as such', async () => {
    // The portal's application id (a person rejecting in the portal); the emulator reads, never verifies, the token.
    const portal = 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c';
    const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = `${base64url({ alg: 'none' })}.${base64url({ appid: portal, iat: 1767225600, oid: CONSUMER })}.sig`;
    const open = await startArmEmulator({ lroDurationMs: 5 });
    const outcomes: DeliveryOutcome[] = [];
    const bridge = startEventGridBridge({
      emulator: open,
      webhookUrl,
      topicSubscriptions: [PROVIDER_SUBSCRIPTION],
      onDelivery: (o) => outcomes.push(o),
    });
    try {
      open.world.addPrivateLinkService({ id: plsId });
      const { name } = open.world.addConnection({
        plsId,
        privateEndpointId: privateEndpointIdOf(CONSUMER, 'pe-portal'),
      });
      const put = (bearer: string) =>
        fetch(`${open.url}${plsId}/privateEndpointConnections/${name}?${API}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
          body: JSON.stringify({ properties: { privateLinkServiceConnectionState: { status: 'Rejected' } } }),
        });
      expect((await put(token)).status).toBe(200);
      await bridge.idle();
      const [event] = eventGridBatchSchema.parse(received[0]?.body);
      expect((event?.data as { claims?: unknown } | undefined)?.claims).toEqual({
        appid: portal,
        iat: '1767225600',
        oid: CONSUMER,
      });
      expect(await parseConnectionEvent(event)).toMatchObject({
        kind: 'accepted',
        caller: { kind: 'application', appId: portal },
      });
      // An opaque token (the app's own, in the lab) is attributed to the app's identity.
      expect((await put('opaque-token')).status).toBe(200);
      await bridge.idle();
      const [ours] = eventGridBatchSchema.parse(received[1]?.body);
      expect(await parseConnectionEvent(ours)).toMatchObject({
        caller: { kind: 'application', appId: LAB_PROVIDER_APP_ID },
      });
      expect(outcomes.map((o) => o.outcome)).toEqual(['delivered', 'delivered']);
    } finally {
      await bridge.stop();
      await open.stop();
    }
  });

  it('publishes a provider-side connection event for a consumer create only when the switch is on', async () => {
    const { bridge } = bridgeWith({ consumerCreates: true });
    try {
      const name = await consumerCreates('pe-bridge-switch');
      await bridge.idle();
      expect(received).toHaveLength(1);
      const parsed = await parseConnectionEvent(eventGridBatchSchema.parse(received[0]?.body)[0]);
      expect(parsed).toMatchObject({
        kind: 'accepted',
        plsId,
        connectionName: name,
        operationName: 'Microsoft.Network/privateLinkServices/privateEndpointConnections/write',
      });
      const claims = (
        eventGridBatchSchema.parse(received[0]?.body)[0]?.data as
          | { claims: Record<string, string> }
          | undefined
      )?.claims;
      expect(claims?.['http://schemas.microsoft.com/identity/claims/tenantid']).toBe(CONSUMER_TENANT);

      bridge.consumerCreates = false;
      await consumerCreates('pe-bridge-switch-off');
      await bridge.idle();
      expect(received).toHaveLength(1);
    } finally {
      await bridge.stop();
    }
  });

  it('delivers a completed connection delete as ResourceDeleteSuccess', async () => {
    const name = await consumerCreates('pe-bridge-delete');
    const { bridge } = bridgeWith();
    try {
      await arm('DELETE', `${plsId}/privateEndpointConnections/${name}`);
      await new Promise((resolve) => setTimeout(resolve, 50)); // the delete completes after its LRO
      await bridge.idle();
      expect(received).toHaveLength(1);
      const parsed = await parseConnectionEvent(eventGridBatchSchema.parse(received[0]?.body)[0]);
      expect(parsed).toMatchObject({
        kind: 'accepted',
        eventType: 'Microsoft.Resources.ResourceDeleteSuccess',
        connectionName: name,
      });
    } finally {
      await bridge.stop();
    }
  });

  it('retries the same event on 5xx like Event Grid, then counts it delivered', async () => {
    const { bridge, outcomes } = bridgeWith();
    try {
      script = [500, 503];
      await approve(await consumerCreates('pe-bridge-retry'));
      await bridge.idle();
      expect(outcomes.map((o) => [o.outcome, o.status])).toEqual([
        ['retrying', 500],
        ['retrying', 503],
        ['delivered', 202],
      ]);
      expect(received).toHaveLength(3);
      const ids = received.map((r) => (r.body as { id: string }[])[0]?.id);
      expect(new Set(ids).size).toBe(1);
      expect(received.map((r) => r.headers['aeg-delivery-count'])).toEqual(['0', '1', '2']);
      expect(bridge.counts).toEqual({ published: 1, delivered: 1, deadLettered: 0 });
    } finally {
      await bridge.stop();
    }
  });

  it('dead-letters at once on 400, and after the last retry on repeated 5xx', async () => {
    const { bridge, outcomes } = bridgeWith({ retryDelaysMs: [10] });
    try {
      script = [400];
      await approve(await consumerCreates('pe-bridge-400'));
      await bridge.idle();
      script = [500, 500];
      await approve(await consumerCreates('pe-bridge-500'));
      await bridge.idle();
      expect(outcomes.map((o) => [o.outcome, o.status])).toEqual([
        ['dead-lettered', 400],
        ['retrying', 500],
        ['dead-lettered', 500],
      ]);
      expect(bridge.counts).toEqual({ published: 2, delivered: 0, deadLettered: 2 });
    } finally {
      await bridge.stop();
    }
  });

  it('keeps retrying while the host is not listening yet (status 0), and stops cleanly with a retry pending', async () => {
    const outcomes: DeliveryOutcome[] = [];
    const bridge = startEventGridBridge({
      emulator,
      webhookUrl: 'http://127.0.0.1:9/runtime/webhooks/eventgrid?functionName=onConnectionEvent',
      retryDelaysMs: [60_000],
      onDelivery: (o) => outcomes.push(o),
    });
    await approve(await consumerCreates('pe-bridge-unreachable'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(outcomes.map((o) => [o.outcome, o.status])).toEqual([['retrying', 0]]);
    const started = Date.now();
    await bridge.stop();
    await bridge.idle();
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
