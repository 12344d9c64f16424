import { describe, expect, it } from 'vitest';
import { problemSchema } from '../../../shared/api/core/api-schemas';
import { parseBody } from '../../helpers/parse-body';
import { addPending, scenario, useApi } from './api-harness';

const api = useApi();

const puts = () => api.emulator.requestLog.count('connection.put');

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
    const second = pending();
    const forwarded = await api.call('POST', second.path, {
      headers: {
        origin: 'https://gatekeeper.contoso.example',
        'x-forwarded-host': 'gatekeeper.contoso.example',
      },
      body: {},
    });
    expect(forwarded.status).toBe(200);
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
