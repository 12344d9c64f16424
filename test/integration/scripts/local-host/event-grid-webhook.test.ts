import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../../../scripts/local-host/invocation-logger';
import { type LocalHost, startLocalHost } from '../../../../scripts/local-host/local-host';
import { problemSchema } from '../../../../shared/api/core/api-schemas';
import type { EventGridInput, RegisteredFunction } from '../../../../shared/host/function-definition';
import { parseBody } from '../../../helpers/parse-body';

const received: EventGridInput[] = [];
let failOnSubject: string | undefined;

const definitions: RegisteredFunction[] = [
  {
    name: 'onConnectionEvent',
    kind: 'eventGrid',
    options: {},
    handler: async (event) => {
      if (failOnSubject !== undefined && (event as { subject?: string }).subject === failOnSubject)
        throw new Error('handler failed');
      received.push(event);
    },
  },
  {
    name: 'notAnEventFunction',
    kind: 'http',
    options: { route: 'x', methods: ['GET'], authLevel: 'anonymous' },
    handler: async () => ({ status: 204 }),
  },
];

let host: LocalHost;
let webhook: string;

beforeAll(async () => {
  host = await startLocalHost({
    definitions,
    env: {},
    logger: new RecordingLogger(),
    port: 0,
    timers: false,
    queues: false,
  });
  webhook = `${host.url}/runtime/webhooks/eventgrid?functionName=onConnectionEvent`;
});
afterAll(async () => {
  await host?.stop();
});
beforeEach(() => {
  received.length = 0;
  failOnSubject = undefined;
});

function eventGridEvent(
  id: string,
  subject = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/pls',
) {
  return {
    id,
    topic: '/subscriptions/11111111-1111-1111-1111-111111111111',
    subject,
    eventType: 'Microsoft.Resources.ResourceWriteSuccess',
    eventTime: '2025-01-31T12:00:00.1234567Z',
    data: { operationName: 'Microsoft.Network/privateLinkServices/privateEndpointConnections/write' },
    dataVersion: '',
    metadataVersion: '1',
  };
}

function cloudEvent(id: string) {
  return {
    specversion: '1.0',
    id,
    source: '/subscriptions/11111111-1111-1111-1111-111111111111',
    type: 'Microsoft.Resources.ResourceWriteSuccess',
    subject: '/subscriptions/s/resourceGroups/rg',
    time: '2025-01-31T12:00:00Z',
    data: { n: id },
  };
}

async function post(body: unknown, headers: Record<string, string>, url = webhook) {
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : JSON.parse(text),
  };
}

const notification = { 'content-type': 'application/json', 'aeg-event-type': 'Notification' };

describe('Event Grid webhook', () => {
  it('answers the SubscriptionValidation handshake with the validation code', async () => {
    const event = {
      ...eventGridEvent('v1'),
      eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
      data: {
        validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6',
        validationUrl: 'https://example.invalid',
      },
    };
    const reply = await post([event], {
      'content-type': 'application/json',
      'aeg-event-type': 'SubscriptionValidation',
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
    expect(received).toHaveLength(0);
  });

  it('invokes the function once per event of an Event Grid schema array', async () => {
    const reply = await post([eventGridEvent('e1'), eventGridEvent('e2')], notification);
    expect(reply.status).toBe(202);
    expect(received.map((e) => (e as { id: string }).id)).toEqual(['e1', 'e2']);
    expect(received[0]).toMatchObject({
      eventType: 'Microsoft.Resources.ResourceWriteSuccess',
      metadataVersion: '1',
    });
  });

  it('accepts a single CloudEvent', async () => {
    const reply = await post(cloudEvent('c1'), {
      'content-type': 'application/cloudevents+json; charset=utf-8',
    });
    expect(reply.status).toBe(202);
    expect(received).toEqual([cloudEvent('c1')]);
  });

  it('accepts a CloudEvents batch', async () => {
    const reply = await post([cloudEvent('c1'), cloudEvent('c2'), cloudEvent('c3')], {
      'content-type': 'application/cloudevents-batch+json',
    });
    expect(reply.status).toBe(202);
    expect(received.map((e) => (e as { id: string }).id)).toEqual(['c1', 'c2', 'c3']);
  });

  it('answers the CloudEvents OPTIONS handshake with the allowed origin', async () => {
    const response = await fetch(webhook, {
      method: 'OPTIONS',
      headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    const missing = await fetch(webhook, { method: 'OPTIONS' });
    expect(missing.status).toBe(400);
    expect((await parseBody(problemSchema, missing)).errors).toEqual([
      expect.objectContaining({ path: 'WebHook-Request-Origin' }),
    ]);
  });

  it('rejects malformed bodies with 400 naming the field', async () => {
    const { eventType: _dropped, ...withoutType } = eventGridEvent('bad');
    const missingField = await post([eventGridEvent('ok'), withoutType], notification);
    expect(missingField.status).toBe(400);
    expect(missingField.headers.get('content-type')).toBe('application/problem+json');
    expect(missingField.body.errors).toEqual([expect.objectContaining({ path: 'body[1].eventType' })]);

    const badTime = await post([{ ...eventGridEvent('t'), eventTime: 'yesterday' }], notification);
    expect(badTime.body.errors).toEqual([expect.objectContaining({ path: 'body[0].eventTime' })]);

    const badSpec = await post(
      { ...cloudEvent('x'), specversion: '0.3' },
      { 'content-type': 'application/cloudevents+json' },
    );
    expect(badSpec.status).toBe(400);
    expect(badSpec.body.detail).toContain('body.specversion');

    const notJson = await post('{"id":', notification);
    expect(notJson.status).toBe(400);
    expect(notJson.body.errors).toEqual([{ path: '(body)', message: 'expected valid JSON' }]);

    const emptyBatch = await post([], notification);
    expect(emptyBatch.status).toBe(400);

    const noHeader = await post([eventGridEvent('h')], { 'content-type': 'application/json' });
    expect(noHeader.status).toBe(400);
    expect(noHeader.body.errors).toEqual([expect.objectContaining({ path: 'aeg-event-type' })]);

    const noCode = await post([{ ...eventGridEvent('v'), data: {} }], {
      'content-type': 'application/json',
      'aeg-event-type': 'SubscriptionValidation',
    });
    expect(noCode.body.errors).toEqual([expect.objectContaining({ path: 'body[0].data.validationCode' })]);
    expect(received).toHaveLength(0);
  });

  it('answers 404 for an unknown function or one that is not an Event Grid function', async () => {
    const base = `${host.url}/runtime/webhooks/eventgrid?functionName=`;
    expect((await post([eventGridEvent('n')], notification, `${base}nope`)).status).toBe(404);
    expect((await post([eventGridEvent('n')], notification, `${base}notAnEventFunction`)).status).toBe(404);
    expect(
      (await post([eventGridEvent('n')], notification, `${host.url}/runtime/webhooks/eventgrid`)).status,
    ).toBe(400);
  });

  it('answers 500 when a handler fails, so Event Grid retries, after trying every event', async () => {
    failOnSubject = 'fails';
    const reply = await post([eventGridEvent('a', 'fails'), eventGridEvent('b')], notification);
    expect(reply.status).toBe(500);
    expect(reply.body.detail).toContain('1 of 2 event(s) failed');
    expect(received.map((e) => (e as { id: string }).id)).toEqual(['b']);
  });
});
