import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { httpRoute } from '../../../../shared/http/http-adapter';

const LOOPBACK_ONLY = () => ({ names: new Set<string>(), loopback: true });

function call(
  handler: Parameters<typeof httpRoute>[0],
  init: ConstructorParameters<typeof HttpRequest>[0],
  /** `null`: the route was given no host names. */
  allowedHosts: Parameters<typeof httpRoute>[1] | null = LOOPBACK_ONLY,
) {
  return httpRoute(handler, allowedHosts ?? undefined)(
    new HttpRequest(init),
    new InvocationContext({ invocationId: 'inv-1' }),
  );
}

describe('httpRoute', () => {
  it('a 500 says nothing about what failed: no message, no stack, no SDK detail', async () => {
    const response = await call(
      async () => {
        throw new Error('connection string AccountKey=abc123 rejected at /srv/app/secret.ts:12');
      },
      { method: 'GET', url: 'http://127.0.0.1/api/x' },
    );
    expect(response.status).toBe(500);
    const text = JSON.stringify(response.jsonBody);
    expect(response.jsonBody).toMatchObject({ code: 'internal', detail: 'An unexpected error occurred.' });
    expect(text).not.toMatch(/AccountKey|secret\.ts|\bat\b/);
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
  });

  it('adds nosniff and no-store to answers, keeping a cache policy the route chose', async () => {
    const plain = await call(async () => ({ status: 200, jsonBody: {} }), {
      method: 'GET',
      url: 'http://127.0.0.1/api/x',
    });
    expect(plain.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
    const cached = await call(
      async () => ({
        status: 200,
        body: 'x',
        headers: { 'Cache-Control': 'public, max-age=31536000, immutable' },
      }),
      { method: 'GET', url: 'http://127.0.0.1/api/x' },
    );
    expect(cached.headers).toMatchObject({
      'Cache-Control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    });
  });

  it('refuses a POST without the JSON type before the handler runs', async () => {
    let ran = false;
    const response = await call(
      async () => {
        ran = true;
        return { status: 200 };
      },
      {
        method: 'POST',
        url: 'http://127.0.0.1/api/x',
        headers: { 'content-type': 'text/plain' },
        body: { string: '{}' },
      },
    );
    expect(response.status).toBe(415);
    expect(ran).toBe(false);
  });

  it('refuses every write when the route was given no host names (fail closed), and still reads', async () => {
    const write = await call(
      async () => ({ status: 200 }),
      {
        method: 'POST',
        url: 'http://127.0.0.1/api/x',
        headers: { 'content-type': 'application/json', host: '127.0.0.1' },
        body: { string: '{}' },
      },
      null,
    );
    expect(write.status).toBe(403);
    expect(write.jsonBody).toMatchObject({ code: 'host_not_allowed' });
    const read = await call(
      async () => ({ status: 200 }),
      { method: 'GET', url: 'http://127.0.0.1/api/x' },
      undefined,
    );
    expect(read.status).toBe(200);
  });
});
