import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { problemSchema } from '../../../shared/api/core/api-schemas';
import { parseBody } from '../../helpers/parse-body';
import { addPending, principalHeader, scenario, useApi } from './api-harness';

const api = useApi();

const puts = () => api.emulator.requestLog.count('connection.put');

/**
 * An approver's JSON POST with the Host header as given: fetch replaces Host with the URL's, so the
 * request goes out through node:http, to the loopback address the local host listens on.
 */
function postWithHost(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; code: unknown; detail: unknown }> {
  const url = new URL(`${api.host.url}/api/${path}`);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        setHost: false,
        headers: {
          'content-type': 'application/json',
          'x-ms-client-principal': principalHeader('approver'),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          const body = (text === '' ? {} : JSON.parse(text)) as { code?: unknown; detail?: unknown };
          resolve({ status: res.statusCode ?? 0, code: body.code, detail: body.detail });
        });
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

/** The issue 22 curl: a page on a rebinding name, so Host and Origin agree on a foreign name. */
function rebindingCurl(path: string, port: string): ReturnType<typeof postWithHost> {
  return postWithHost(path, {
    host: `rebind.evil.example:${port}`,
    origin: `http://rebind.evil.example:${port}`,
    'sec-fetch-site': 'same-origin',
  });
}

describe('writes refuse what a cross-site page could send', () => {
  function pending() {
    const s = scenario(api.emulator);
    const name = addPending(api.emulator, s.plsIds[0] as string);
    return { path: `connections/${s.plsNames[0]}/${name}/approve`, name };
  }

  it('no content type (a no-cors fetch or a bodiless form post) is 415, and nothing is written', async () => {
    const { path } = pending();
    const before = puts();
    const response = await api.call('POST', path, { contentType: null });
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(puts()).toBe(before);
  });

  it.each([
    ['text/plain', '{"reason":"csrf"}'],
    ['application/x-www-form-urlencoded', 'reason=csrf'],
    ['multipart/form-data; boundary=x', '--x--'],
  ])('a simple-request body (%s) is 415, and nothing is written', async (contentType, rawBody) => {
    const { path } = pending();
    const before = puts();
    const response = await api.call('POST', path, { contentType, rawBody });
    expect(response.status).toBe(415);
    expect(puts()).toBe(before);
  });

  it.each([
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
    ['a foreign Origin', { origin: 'https://evil.example' }],
    ['a null Origin (sandboxed frame)', { origin: 'null' }],
    ['an Origin on another port', { origin: 'http://127.0.0.1:1' }],
  ])('%s is 403 problem+json even with JSON, and nothing is written', async (_label, headers) => {
    const { path } = pending();
    const before = puts();
    const response = await api.call('POST', path, { headers, body: { reason: 'csrf' } });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await parseBody(problemSchema, response)).detail).toMatch(/^Cross-site request refused/);
    expect(puts()).toBe(before);
  });

  it('the app itself (same-origin, its own Origin, or a proxy-forwarded host) may write', async () => {
    const own = new URL(api.host.url);
    const first = pending();
    const sameOrigin = await api.call('POST', first.path, {
      headers: { 'sec-fetch-site': 'same-origin', origin: own.origin },
      body: {},
    });
    expect(sameOrigin.status).toBe(200);
    // A forwarded host is believed only when it is one of the app's configured names.
    const s = scenario(api.emulator, { env: { APP_HOST_NAMES: 'gatekeeper.contoso.example' } });
    const second = {
      path: `connections/${s.plsNames[0]}/${addPending(api.emulator, s.plsIds[0] as string)}/approve`,
    };
    const forwarded = await api.call('POST', second.path, {
      headers: {
        origin: 'https://gatekeeper.contoso.example',
        'x-forwarded-host': 'gatekeeper.contoso.example',
      },
      body: {},
    });
    expect(forwarded.status).toBe(200);
  });

  it('DNS rebinding (the curl from issue 22): Host and Origin agree on a foreign name, so 403 host_not_allowed; still Pending', async () => {
    const { path, name } = pending();
    const port = new URL(api.host.url).port;
    const before = puts();
    const response = await rebindingCurl(path, port);
    expect(response).toMatchObject({ status: 403, code: 'host_not_allowed' });
    expect(response.detail).toContain(`rebind.evil.example:${port}`);
    expect(puts()).toBe(before);
    const connection = await api.call('GET', path.replace(/\/approve$/, ''), { as: 'reader' });
    expect(connection.body).toMatchObject({ connection: { name, status: 'Pending' } });
  });

  it('the same curl in AUTH_MODE=dev (no principal; the loopback caller is trusted) is refused too', async () => {
    const s = scenario(api.emulator, { env: { AUTH_MODE: 'dev' } });
    const name = addPending(api.emulator, s.plsIds[0] as string);
    const path = `connections/${s.plsNames[0]}/${name}/approve`;
    const port = new URL(api.host.url).port;
    const before = puts();
    const response = await rebindingCurl(path, port);
    expect(response).toMatchObject({ status: 403, code: 'host_not_allowed' });
    expect(puts()).toBe(before);
    // The loopback name itself still writes in dev mode: the guard refuses the name, not the mode.
    expect((await postWithHost(path, { host: `localhost:${port}` })).status).toBe(200);
  });

  it.each([
    ['a trailing dot', (port: string) => ({ host: `localhost.:${port}` })],
    ['a name under localhost', (port: string) => ({ host: `localhost.evil.example:${port}` })],
    ['a wildcard-DNS name for 127.0.0.1', (port: string) => ({ host: `127.0.0.1.nip.io:${port}` })],
    ['an upper-case foreign name, no port', () => ({ host: 'REBIND.EVIL.EXAMPLE' })],
    [
      'a loopback Host with a forged X-Forwarded-Host',
      (port: string) => ({ host: `127.0.0.1:${port}`, 'x-forwarded-host': 'rebind.evil.example' }),
    ],
  ])('%s is refused as host_not_allowed, and nothing is written', async (_label, headersFor) => {
    const { path } = pending();
    const before = puts();
    const response = await postWithHost(path, headersFor(new URL(api.host.url).port));
    expect(response).toMatchObject({ status: 403, code: 'host_not_allowed' });
    expect(puts()).toBe(before);
  });

  it.each([
    ['localhost, upper case, no port', () => 'LOCALHOST'],
    ['[::1] with the port', (port: string) => `[::1]:${port}`],
    ['127.0.0.1 with the port, its own Origin', (port: string) => `127.0.0.1:${port}`],
  ])('a loopback Host (%s) may write', async (_label, hostFor) => {
    const { path } = pending();
    const host = hostFor(new URL(api.host.url).port);
    const response = await postWithHost(path, {
      host,
      origin: `http://${host}`,
      'sec-fetch-site': 'same-origin',
    });
    expect(response.status).toBe(200);
  });

  it('every POST route is guarded, the dry run too', async () => {
    const response = await api.call('POST', 'policy/evaluate', { as: 'reader', contentType: null });
    expect(response.status).toBe(415);
    const cross = await api.call('POST', 'policy/evaluate', {
      as: 'reader',
      headers: { 'sec-fetch-site': 'cross-site' },
      body: {},
    });
    expect(cross.status).toBe(403);
  });
});

describe('API response headers', () => {
  it('JSON answers and problems carry nosniff and no-store', async () => {
    const ok = await api.call('GET', 'decisions', { as: 'reader' });
    const problem = await api.call('GET', 'decisions', { as: 'anonymous' });
    const health = await api.call('GET', 'health', { as: 'anonymous' });
    for (const response of [ok, problem, health]) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
    expect(problem.status).toBe(401);
  });
});
