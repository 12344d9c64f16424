import { Readable } from 'node:stream';
import { HttpResponse } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../../../scripts/local-host/invocation-logger';
import { type LocalHost, startLocalHost } from '../../../../scripts/local-host/local-host';
import { AppError } from '../../../../shared/errors';
import type { RegisteredFunction } from '../../../../shared/host/function-definition';

const definitions: RegisteredFunction[] = [
  {
    name: 'echo',
    kind: 'http',
    options: { route: 'items/{id}/{label}', methods: ['GET', 'POST'], authLevel: 'function' },
    handler: async (request, context) => ({
      status: 200,
      jsonBody: {
        method: request.method,
        url: request.url,
        params: request.params,
        query: Object.fromEntries(request.query.entries()),
        header: request.headers.get('x-test'),
        body: await request.text(),
        functionName: context.functionName,
        invocationId: context.invocationId,
      },
    }),
  },
  {
    name: 'byId',
    kind: 'http',
    options: { route: 'items/{id}', methods: ['GET'], authLevel: 'anonymous' },
    handler: async () => ({ body: 'parameter' }),
  },
  {
    name: 'pending',
    kind: 'http',
    options: { route: 'items/pending', methods: ['GET'], authLevel: 'anonymous' },
    handler: async () => ({ body: 'literal wins' }),
  },
  {
    name: 'teapot',
    kind: 'http',
    options: { route: 'teapot', methods: ['GET'], authLevel: 'anonymous' },
    handler: async () =>
      new HttpResponse({
        status: 418,
        body: 'short and stout',
        headers: { 'content-type': 'text/plain', 'x-kind': 'teapot' },
        cookies: [{ name: 'tea', value: 'earl-grey', httpOnly: true, path: '/' }],
      }),
  },
  {
    name: 'stream',
    kind: 'http',
    options: { route: 'stream', methods: ['GET'], authLevel: 'anonymous' },
    handler: async () => ({ body: Readable.from(['a', 'b', 'c']) }),
  },
  {
    name: 'slow',
    kind: 'http',
    options: { route: 'slow', methods: ['GET'], authLevel: 'anonymous' },
    // A long answer: the first chunk at once, the rest never comes before the client goes away.
    handler: async () => ({
      body: Readable.from(
        (async function* () {
          yield 'first chunk\n';
          await new Promise((r) => setTimeout(r, 1_500));
          yield 'too late';
        })(),
      ),
    }),
  },
  {
    name: 'boom',
    kind: 'http',
    options: { route: 'boom', methods: ['GET'], authLevel: 'anonymous' },
    handler: async () => {
      throw new Error('secret connection string inside');
    },
  },
  {
    name: 'denied',
    kind: 'http',
    options: { route: 'denied', methods: ['DELETE'], authLevel: 'anonymous' },
    handler: async () => {
      throw new AppError('forbidden', 'Approvers only.');
    },
  },
];

let host: LocalHost;
const logger = new RecordingLogger();

beforeAll(async () => {
  host = await startLocalHost({ definitions, env: {}, logger, port: 0, timers: false, queues: false });
});
afterAll(async () => {
  await host?.stop();
});

describe('local host HTTP routing', () => {
  it('builds a real HttpRequest: route params, query, headers, body and the full URL', async () => {
    const response = await fetch(`${host.url}/api/items/42/blue?x=1&x=2&y=z`, {
      method: 'POST',
      headers: { 'x-test': 'hello', 'content-type': 'text/plain' },
      body: 'payload',
    });
    expect(response.status).toBe(200);
    // The echo function above is the test's own; its body has no product schema.
    const body: unknown = await response.json();
    expect(body).toMatchObject({
      method: 'POST',
      url: `${host.url}/api/items/42/blue?x=1&x=2&y=z`,
      params: { id: '42', label: 'blue' },
      query: { x: '1,2', y: 'z' },
      header: 'hello',
      body: 'payload',
      functionName: 'echo',
      invocationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('matches whole segments only: a missing or an extra segment is not found', async () => {
    expect((await fetch(`${host.url}/api/items/7/blue/extra`)).status).toBe(404);
    expect((await fetch(`${host.url}/api/items`)).status).toBe(404);
  });

  it('prefers a literal segment over a parameter', async () => {
    expect(await (await fetch(`${host.url}/api/items/pending`)).text()).toBe('literal wins');
    expect(await (await fetch(`${host.url}/api/items/7`)).text()).toBe('parameter');
  });

  it('answers an unknown route with 404 problem+json', async () => {
    const response = await fetch(`${host.url}/api/nothing/here`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 404, code: 'not_found' });
    expect((await fetch(`${host.url}/elsewhere`)).status).toBe(404);
  });

  it('answers a wrong method with 405 and an Allow header', async () => {
    const response = await fetch(`${host.url}/api/teapot`, { method: 'PUT' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(await response.json()).toMatchObject({ status: 405, code: 'method_not_allowed' });
  });

  it('writes an HttpResponse with status, headers, cookies and body', async () => {
    const response = await fetch(`${host.url}/api/teapot`);
    expect(response.status).toBe(418);
    expect(response.headers.get('x-kind')).toBe('teapot');
    expect(response.headers.getSetCookie()).toEqual(['tea=earl-grey; Path=/; HttpOnly']);
    expect(await response.text()).toBe('short and stout');
  });

  it('streams a stream body', async () => {
    expect(await (await fetch(`${host.url}/api/stream`)).text()).toBe('abc');
  });

  it('turns a throwing handler into 500 problem+json without leaking its message', async () => {
    const response = await fetch(`${host.url}/api/boom`);
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const text = await response.text();
    expect(text).not.toContain('secret');
    expect(JSON.parse(text)).toMatchObject({ status: 500, code: 'internal' });
    const record = logger.invocations.find((r) => r.functionName === 'boom');
    expect(record).toMatchObject({ trigger: 'http', outcome: 'failed', detail: 'GET /api/boom' });
  });

  it('maps a thrown AppError to its own status', async () => {
    const response = await fetch(`${host.url}/api/denied`, { method: 'DELETE' });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'forbidden', detail: 'Approvers only.' });
  });

  it('logs every invocation with its outcome and duration', async () => {
    await fetch(`${host.url}/api/teapot`);
    const record = logger.invocations.findLast((r) => r.functionName === 'teapot');
    expect(record).toMatchObject({ trigger: 'http', outcome: 'succeeded', result: '418' });
    expect(record?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('refuses two functions with the same name', async () => {
    const [first] = definitions;
    if (first === undefined) throw new Error('no definitions');
    await expect(
      startLocalHost({ definitions: [first, first], env: {}, logger, port: 0, timers: false, queues: false }),
    ).rejects.toThrow(/Two functions are named "echo"/);
  });

  it('a request the client closes (a browser navigating away) is one info line, not an error with a stack', async () => {
    const controller = new AbortController();
    const response = await fetch(`${host.url}/api/slow`, { signal: controller.signal });
    const reader = response.body?.getReader();
    await reader?.read();
    controller.abort();
    await new Promise((r) => setTimeout(r, 2_500));
    const aboutSlow = logger.lines.filter((l) => l.text.includes('/api/slow'));
    expect(aboutSlow.filter((l) => l.level === 'error')).toEqual([]);
    expect(aboutSlow.map((l) => l.text)).toEqual([
      'request GET /api/slow: the client closed it before the answer',
    ]);
  });

  it('says how to pick another port when the port is taken, instead of a bare EADDRINUSE', async () => {
    await expect(
      startLocalHost({ definitions: [], env: {}, logger, port: host.port, timers: false, queues: false }),
    ).rejects.toThrow(`port ${host.port} on 127.0.0.1 is already in use`);
    await expect(
      startLocalHost({ definitions: [], env: {}, logger, port: host.port, timers: false, queues: false }),
    ).rejects.toThrow(/--port \d+ {2}\(or set LOCAL_PORT=\d+\)/);
  });
});
