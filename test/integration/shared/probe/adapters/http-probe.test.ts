import { createHash } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IIS_WELCOME_PAGE } from '../../../../../emulators/iis/iis-responses';
import { probeHttpTarget, probeRunId } from '../../../../../shared/probe/adapters/http-probe';
import { parseProbeTargets } from '../../../../../shared/probe/adapters/targets';
import type {
  FailureClass,
  ProbePhase,
  ProbeResult,
  ProbeTarget,
} from '../../../../../shared/probe/core/types';
import {
  type BlackHole,
  type ProbeTestServer,
  refusedPort,
  startBlackHole,
  startProbeServer,
  startSilentServer,
  type TestPki,
  testPki,
} from '../../../../helpers/probe-servers';

// Real sockets on loopback only; short deadlines keep the failure cases fast.
const FAST = { connectMs: 300, firstByteMs: 300, totalMs: 1000 };

let pki: TestPki;
let http: ProbeTestServer;
let https: ProbeTestServer;
let expired: ProbeTestServer;
let wrongName: ProbeTestServer;
let blackHole: BlackHole;
let refused: number;
let silent: { readonly port: number; close(): Promise<void> };

beforeAll(async () => {
  pki = await testPki();
  [http, https, expired, wrongName, blackHole, refused, silent] = await Promise.all([
    startProbeServer(),
    startProbeServer({ tls: pki.valid }),
    startProbeServer({ tls: pki.expired }),
    startProbeServer({ tls: pki.wrongName }),
    startBlackHole(),
    refusedPort(),
    startSilentServer(),
  ]);
});

afterAll(async () => {
  await Promise.all([
    http?.close(),
    https?.close(),
    expired?.close(),
    wrongName?.close(),
    blackHole?.close(),
    silent?.close(),
  ]);
});

function target(url: string, extra: Record<string, unknown> = {}): ProbeTarget {
  const [parsed] = parseProbeTargets(
    JSON.stringify([{ id: 'test', url, retries: 0, timeouts: FAST, ca: pki.ca, ...extra }]),
  );
  if (parsed === undefined) throw new Error('no target parsed');
  return parsed;
}

function probe(t: ProbeTarget, signal = new AbortController().signal): Promise<ProbeResult> {
  return probeHttpTarget(t, { scheduledAt: new Date('2026-01-01T10:00:00Z'), signal });
}

describe('where the clock starts', () => {
  it('starts with the first network work, not with building the client', async () => {
    // Deadlines wide enough that the busy loop below cannot trip them.
    const t = target(http.url('/'), { timeouts: { connectMs: 5000, firstByteMs: 5000, totalMs: 10_000 } });
    await probe(t); // the first attempt in a process also compiles undici's parser
    const busyMs = 300;
    const proto = Client.prototype;
    const dispatch = proto.dispatch;
    // Our process's own work between making the attempt and the connect: a loop this busy used
    // to be counted in every total of a crowded run.
    proto.dispatch = function (this: Client, ...args: Parameters<Client['dispatch']>) {
      const until = performance.now() + busyMs;
      while (performance.now() < until) {}
      return dispatch.apply(this, args);
    };
    let result: ProbeResult;
    try {
      result = await probe(t);
    } finally {
      proto.dispatch = dispatch;
    }
    expect(result.status).toBe('UP');
    const { totalMs, firstByteAtMs, tcpMs } = result.final.timings;
    expect(totalMs).toBeLessThan(busyMs);
    expect(firstByteAtMs ?? Number.NaN).toBeGreaterThanOrEqual(tcpMs ?? Number.NaN);
  });
});

describe('a healthy IIS-like site', () => {
  it('is UP with every phase timed and the response described', async () => {
    const t = target(http.url('/'), {
      expectedIp: '127.0.0.1',
      assertions: {
        status: ['200'],
        headers: { Server: 'Microsoft-IIS/*' },
        bodyContains: 'IIS Windows Server',
      },
    });
    const result = await probe(t);
    expect(result.status).toBe('UP');
    expect(result.reason).toBeNull();
    expect(result.runId).toBe(probeRunId('test', new Date('2026-01-01T10:00:00Z')));
    expect(result.attempts).toHaveLength(1);
    const a = result.final;
    expect(a.failure).toBeNull();
    expect(a.statusCode).toBe(200);
    expect(a.httpVersion).toBe('1.1');
    expect(a.serverHeader).toBe('Microsoft-IIS/10.0');
    expect(a.headers).toMatchObject({ 'content-type': 'text/html', 'x-powered-by': 'ASP.NET' });
    expect(a.bodyBytes).toBe(Buffer.byteLength(IIS_WELCOME_PAGE));
    expect(a.bodySha256).toBe(createHash('sha256').update(IIS_WELCOME_PAGE).digest('hex'));
    expect(a.bodyExcerpt).toBeNull();
    expect(a.resolvedIp).toBe('127.0.0.1');
    expect(a.expectedIpMatches).toBe(true);
    expect(a.localAddress).toBe('127.0.0.1');
    expect(a.localPort).toBeGreaterThan(0);
    expect(a.tls).toBeNull();
    const { dnsMs, tcpMs, tlsMs, ttfbMs, transferMs, totalMs, firstByteAtMs } = a.timings;
    expect(dnsMs).toBeNull(); // an IP literal is not resolved
    expect(tlsMs).toBeNull();
    for (const v of [tcpMs, ttfbMs, transferMs, firstByteAtMs]) expect(v).toBeGreaterThanOrEqual(0);
    // The phases fit inside the total, and the first byte comes after connect + wait.
    expect((tcpMs ?? 0) + (ttfbMs ?? 0) + (transferMs ?? 0)).toBeLessThanOrEqual(totalMs);
    expect(firstByteAtMs ?? 0).toBeGreaterThanOrEqual((tcpMs ?? 0) + (ttfbMs ?? 0));
  });

  it('opens a fresh connection for every attempt and never resumes a TLS session', async () => {
    const before = https.clientPorts.length;
    const first = await probe(target(https.url('/')));
    const second = await probe(target(https.url('/')));
    expect(https.clientPorts.length).toBe(before + 2);
    expect(new Set(https.clientPorts.slice(before)).size).toBe(2);
    expect(first.final.localPort).not.toBe(second.final.localPort);
    expect(second.final.tls?.sessionReused).toBe(false);
  });

  it('describes the TLS session and certificate of an https target', async () => {
    const result = await probe(target(https.url('/')));
    expect(result.status).toBe('UP');
    const tls = result.final.tls;
    expect(tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(tls?.cipher).toEqual(expect.any(String));
    expect(tls?.subject).toBe('CN=localhost');
    expect(tls?.issuer).toBe('CN=Gatekeeper Test CA');
    expect(Date.parse(tls?.notAfter ?? '')).toBeGreaterThan(Date.now());
    expect(tls?.daysLeft).toBeGreaterThanOrEqual(8);
    expect(result.final.timings.tlsMs).toBeGreaterThan(0);
  });

  it('resolves a host name and times DNS on its own', async () => {
    // Whatever localhost resolves to first here (127.0.0.1 or ::1), the server listens there.
    const { address } = await lookup('localhost');
    const local = await startProbeServer({ host: address });
    try {
      const result = await probe(target(`http://localhost:${local.port}/`, { expectedIp: address }));
      expect(result.status).toBe('UP');
      expect(result.final.timings.dnsMs).toEqual(expect.any(Number));
      expect(result.final.timings.dnsMs).toBeGreaterThanOrEqual(0);
      expect(result.final.resolvedIp).toBe(address);
      expect(result.final.expectedIpMatches).toBe(true);
    } finally {
      await local.close();
    }
  });

  it('answers HEAD without a body', async () => {
    const result = await probe(target(http.url('/'), { method: 'HEAD' }));
    expect(result.status).toBe('UP');
    expect(result.final.bodyBytes).toBe(0);
  });
});

describe('DEGRADED', () => {
  it('when slower than the latency SLO', async () => {
    const result = await probe(target(http.url('/slow/150'), { latencySloMs: 100 }));
    expect(result.status).toBe('DEGRADED');
    expect(result.reason).toMatch(/above the 100 ms SLO/);
    expect(result.final.timings.ttfbMs).toBeGreaterThanOrEqual(145);
  });

  it('when it passed only on a retry, naming the earlier failure', async () => {
    const result = await probe(target(http.url('/flaky/retry-once/1'), { retries: 1 }));
    expect(result.status).toBe('DEGRADED');
    expect(result.attempts.map((a) => a.failure?.class ?? 'ok')).toEqual(['TCP_RESET', 'ok']);
    expect(result.reason).toMatch(/passed on attempt 2 of 2; before: TCP_RESET/);
    expect(result.final).toBe(result.attempts[1]);
  });

  it('when the name resolves to another address than the expected private endpoint', async () => {
    const result = await probe(target(http.url('/'), { expectedIp: '127.0.0.2' }));
    expect(result.status).toBe('DEGRADED');
    expect(result.final.expectedIpMatches).toBe(false);
    expect(result.reason).toBe('resolved 127.0.0.1, expected 127.0.0.2');
  });
});

describe('DOWN, with the class and phase of the failure', () => {
  const cases: ReadonlyArray<{
    name: string;
    url: () => string;
    extra?: Record<string, unknown>;
    class: FailureClass;
    phase: ProbePhase;
    code: RegExp;
  }> = [
    {
      name: 'refused connection',
      url: () => `http://127.0.0.1:${refused}/`,
      class: 'TCP_REFUSED',
      phase: 'tcp',
      code: /^ECONNREFUSED$/,
    },
    {
      name: 'connect that never completes',
      url: () => `http://127.0.0.1:${blackHole.port}/`,
      class: 'TCP_TIMEOUT',
      phase: 'tcp',
      code: /^UND_ERR_CONNECT_TIMEOUT$/,
    },
    {
      name: 'expired certificate',
      url: () => expired.url('/'),
      class: 'TLS',
      phase: 'tls',
      code: /^CERT_HAS_EXPIRED$/,
    },
    {
      name: 'certificate for another name',
      url: () => wrongName.url('/'),
      class: 'TLS',
      phase: 'tls',
      code: /^ERR_TLS_CERT_ALTNAME_INVALID$/,
    },
    {
      name: 'certificate from an untrusted CA',
      url: () => https.url('/'),
      extra: { ca: undefined },
      class: 'TLS',
      phase: 'tls',
      code: /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/,
    },
    {
      name: 'TLS handshake that never completes',
      url: () => `https://127.0.0.1:${silent.port}/`,
      class: 'TLS',
      phase: 'tls',
      code: /^UND_ERR_CONNECT_TIMEOUT$/,
    },
    {
      name: 'https spoken to a plain http server',
      url: () => `https://127.0.0.1:${http.port}/`,
      class: 'TLS',
      phase: 'tls',
      code: /^(ERR_SSL_|EPROTO)/,
    },
    {
      name: 'server that never answers',
      url: () => http.url('/never'),
      class: 'HEADERS_TIMEOUT',
      phase: 'ttfb',
      code: /^UND_ERR_HEADERS_TIMEOUT$/,
    },
    {
      name: 'reset before the headers',
      url: () => http.url('/reset-before-headers'),
      class: 'TCP_RESET',
      phase: 'ttfb',
      code: /^(ECONNRESET|UND_ERR_SOCKET)$/,
    },
    {
      name: 'body that stalls',
      url: () => http.url('/slow-body/1000'),
      class: 'BODY_TIMEOUT',
      phase: 'transfer',
      code: /^UND_ERR_BODY_TIMEOUT$/,
    },
    {
      name: 'reset mid-body',
      url: () => http.url('/reset-mid-body'),
      class: 'TCP_RESET',
      phase: 'transfer',
      code: /^ECONNRESET$/,
    },
    {
      name: 'connection closed mid-body',
      url: () => http.url('/close-mid-body'),
      class: 'TCP_RESET',
      phase: 'transfer',
      code: /^(UND_ERR_RES_CONTENT_LENGTH_MISMATCH|UND_ERR_SOCKET)$/,
    },
    {
      name: 'huge chunked body',
      url: () => http.url('/huge/300000'),
      extra: { maxBodyBytes: 100_000 },
      class: 'BODY_TOO_LARGE',
      phase: 'transfer',
      code: /^BODY_TOO_LARGE$/,
    },
    {
      name: 'huge declared body',
      url: () => http.url('/huge-declared/300000'),
      extra: { maxBodyBytes: 100_000 },
      class: 'BODY_TOO_LARGE',
      phase: 'transfer',
      code: /^BODY_TOO_LARGE$/,
    },
    {
      name: 'wrong status',
      url: () => http.url('/status/503'),
      class: 'HTTP_STATUS',
      phase: 'assertions',
      code: /^HTTP_503$/,
    },
    {
      name: 'wrong body',
      url: () => http.url('/wrong-body'),
      extra: { assertions: { bodyContains: 'IIS Windows Server' } },
      class: 'ASSERTION',
      phase: 'assertions',
      code: /^ASSERTION_FAILED$/,
    },
    {
      name: 'wrong server header',
      url: () => http.url('/'),
      extra: { assertions: { headers: { Server: 'nginx/*' } } },
      class: 'ASSERTION',
      phase: 'assertions',
      code: /^ASSERTION_FAILED$/,
    },
    {
      name: 'name that does not exist',
      url: () => 'http://gatekeeper-probe-test.invalid/',
      class: 'DNS',
      phase: 'dns',
      code: /^(ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NODATA|DNS_TIMEOUT)$/,
    },
    {
      name: 'total deadline mid-body',
      url: () => http.url('/slow-both/150'),
      extra: { timeouts: { connectMs: 250, firstByteMs: 250, bodyIdleMs: 250, totalMs: 250 } },
      class: 'DEADLINE',
      phase: 'transfer',
      code: /^TOTAL_TIMEOUT$/,
    },
  ];

  it.each(cases)('$name → $class in $phase', async (c) => {
    const result = await probe(target(c.url(), c.extra));
    expect(result.status).toBe('DOWN');
    expect(result.final.failure).toMatchObject({ class: c.class, phase: c.phase });
    expect(result.final.failure?.code).toMatch(c.code);
    expect(result.reason).toContain(`${c.class} in ${c.phase}`);
  });

  it('never sends the request over a rejected certificate', async () => {
    const before = expired.requests;
    const result = await probe(target(expired.url('/')));
    expect(expired.requests).toBe(before);
    // The rejected certificate is still described: that is how the operator sees why.
    expect(result.final.tls?.daysLeft).toBeLessThan(0);
    expect(result.final.failure?.message).toMatch(/expired on \d{4}-/);
  });

  it('keeps the first KiB of the body on failure, and what the failing assertion was', async () => {
    const wrong = await probe(target(http.url('/wrong-body'), { assertions: { bodyRegex: '<title>IIS' } }));
    expect(wrong.final.bodyExcerpt).toContain('Welcome to nginx!');
    expect(wrong.final.failure?.message).toBe('body does not match /<title>IIS/');
    const big = await probe(target(http.url('/huge/300000'), { maxBodyBytes: 100_000 }));
    expect(big.final.bodyExcerpt).toHaveLength(1024);
    const header = await probe(target(http.url('/'), { assertions: { headers: { 'X-Missing': '*' } } }));
    expect(header.final.failure?.message).toMatch(/header x-missing is missing/);
  });

  it('makes 1 + retries attempts, each on its own connection', async () => {
    const before = http.clientPorts.length;
    const result = await probe(target(http.url('/flaky/always/99'), { retries: 2 }));
    expect(result.status).toBe('DOWN');
    expect(result.attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(result.reason).toMatch(/all 3 attempts failed/);
    expect(http.clientPorts.length - before).toBe(3);
  });

  it("stops at the run's deadline, without retrying", async () => {
    const started = performance.now();
    const result = await probe(
      target(http.url('/never'), {
        retries: 3,
        timeouts: { connectMs: 1000, firstByteMs: 2000, totalMs: 3000 },
      }),
      AbortSignal.timeout(150),
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result.attempts).toHaveLength(1);
    expect(result.final.failure).toMatchObject({ class: 'DEADLINE', phase: 'ttfb', code: 'RUN_DEADLINE' });
  });
});
