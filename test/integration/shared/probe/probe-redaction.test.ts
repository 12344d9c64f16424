import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeHttpTarget } from '../../../../shared/probe/adapters/http-probe';
import { parseProbeTargets } from '../../../../shared/probe/adapters/targets';

const SECRET = 'Bearer eyJ0eXAiOiJKV1QifQ.c2VjcmV0LXBheWxvYWQtZm9yLXRlc3Rz.c2ln';
const API_KEY = 'k3y-0f-the-probe-9f8e7d6c';

let server: Server;
let base: string;

beforeAll(async () => {
  // A misbehaving target: echoes every request header in the body and in a response header, and fails.
  server = createServer((request, response) => {
    response.setHeader(
      'x-echo',
      `${request.headers.authorization ?? ''} ${request.headers['x-api-key'] ?? ''}`,
    );
    response.statusCode = request.url === '/ok' ? 200 : 500;
    response.end(`you sent ${JSON.stringify(request.headers)}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('probe results hold no configured secret', () => {
  it('the body excerpt, failure message and kept headers of an echoing target are redacted', async () => {
    const [target] = parseProbeTargets(
      JSON.stringify([
        {
          id: 'echo',
          url: `${base}/fail`,
          retries: 0,
          headers: { Authorization: SECRET, 'X-Api-Key': API_KEY },
          assertions: { headers: { 'x-echo': '/nothing-like-this/' } },
        },
      ]),
    );
    if (target === undefined) throw new Error('no target');
    const result = await probeHttpTarget(target, {
      scheduledAt: new Date(),
      signal: new AbortController().signal,
    });
    expect(result.status).toBe('DOWN');
    const stored = JSON.stringify(result);
    expect(stored).toContain('you sent');
    expect(stored).toContain('[redacted]');
    for (const secret of [SECRET, SECRET.slice('Bearer '.length), API_KEY])
      expect(stored).not.toContain(secret);
  });

  it('an assertion failure quoting an echoed header is redacted too', async () => {
    const [target] = parseProbeTargets(
      JSON.stringify([
        {
          id: 'echo-ok',
          url: `${base}/ok`,
          retries: 0,
          headers: { 'X-Api-Key': API_KEY },
          assertions: { headers: { 'x-echo': 'expected-*' } },
        },
      ]),
    );
    if (target === undefined) throw new Error('no target');
    const result = await probeHttpTarget(target, {
      scheduledAt: new Date(),
      signal: new AbortController().signal,
    });
    const stored = JSON.stringify(result);
    expect(stored).toMatch(/header x-echo is/);
    expect(stored).not.toContain(API_KEY);
  });

  it('a 5-character header value echoed in the JSON body is redacted (short values count where they stand alone)', async () => {
    const code = 'fn-key-Q2x9Wm4Lp7';
    const short = 'k3Y5!';
    const [target] = parseProbeTargets(
      JSON.stringify([
        {
          id: 'echo-query',
          url: `${base}/fail?code=${code}&token=${encodeURIComponent(short)}`,
          retries: 0,
          // A header name no credential pattern knows: only the configured value can catch it.
          headers: { 'X-Tenant-Pin': short },
        },
      ]),
    );
    if (target === undefined) throw new Error('no target');
    const result = await probeHttpTarget(target, {
      scheduledAt: new Date(),
      signal: new AbortController().signal,
    });
    // The server above echoes the request headers as JSON; the body excerpt keeps them.
    const stored = JSON.stringify(result);
    expect(stored).toContain('you sent');
    expect(stored).not.toContain(short);
    expect(stored).not.toContain(JSON.stringify(short).slice(1, -1));
  });
});
