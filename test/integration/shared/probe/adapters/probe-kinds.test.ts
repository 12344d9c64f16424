import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeTarget } from '../../../../../shared/probe/adapters/http-probe';
import { parseProbeTargets } from '../../../../../shared/probe/adapters/targets';
import type { ProbeResult, ProbeTarget } from '../../../../../shared/probe/core/types';
import { attemptEntity } from '../../../../../shared/probe/storage/raw-results';
import { startDnsServer, type TestDnsServer } from '../../../../helpers/dns-server';
import {
  type ProbeTestServer,
  refusedPort,
  startProbeServer,
  startSilentServer,
} from '../../../../helpers/probe-servers';

// Real sockets on loopback only: a DNS responder, an HTTP server, TCP servers with and without a banner.
const FAST = { connectMs: 400, firstByteMs: 400, totalMs: 1500 };
/** The public address the failure case hands out (TEST-NET-3, RFC 5737: never reached, the probe stops at DNS). */
const PUBLIC_IP = '203.0.113.10';

let dns: TestDnsServer;
let http: ProbeTestServer;
let greeter: { port: number; close(): Promise<void> };
let silent: { readonly port: number; close(): Promise<void> };
let refused: number;

async function startGreeter(banner: string): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.write(banner);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

beforeAll(async () => {
  [dns, http, greeter, silent, refused] = await Promise.all([
    startDnsServer({
      zone: {
        'app.privatelink.test': { A: ['127.0.0.1'] },
        'public.privatelink.test': { A: [PUBLIC_IP] },
        'split.privatelink.test': { A: ['127.0.0.1', PUBLIC_IP] },
        'v6only.privatelink.test': { AAAA: ['::1'] },
        'alias.privatelink.test': { CNAME: 'app.privatelink.test' },
        'txt.privatelink.test': { TXT: [['v=spf1 ', '-all']] },
      },
      silent: ['slow.privatelink.test'],
    }),
    startProbeServer(),
    startGreeter('SSH-2.0-OpenSSH_9.6\r\n'),
    startSilentServer(),
    refusedPort(),
  ]);
});

afterAll(async () => {
  await Promise.all([dns?.close(), http?.close(), greeter?.close(), silent?.close()]);
});

function target(fields: Record<string, unknown>): ProbeTarget {
  const [parsed] = parseProbeTargets(JSON.stringify([{ id: 't', retries: 0, timeouts: FAST, ...fields }]));
  if (parsed === undefined) throw new Error('no target parsed');
  return parsed;
}

function probe(t: ProbeTarget): Promise<ProbeResult> {
  return probeTarget(t, { scheduledAt: new Date(), signal: new AbortController().signal });
}

describe('tcp targets', () => {
  it('is UP when the port accepts, with the TCP phase only', async () => {
    const result = await probe(target({ kind: 'tcp', host: '127.0.0.1', port: greeter.port }));
    expect(result.status).toBe('UP');
    expect(result.final.timings.tcpMs).not.toBeNull();
    // Phases that do not apply are absent (null), not zero.
    expect(result.final.timings).toMatchObject({ dnsMs: null, tlsMs: null, ttfbMs: null, transferMs: null });
    expect(result.final.statusCode).toBeNull();
    expect(result.final.banner).toBeUndefined();
  });

  it('is DOWN with TCP_REFUSED when nothing listens', async () => {
    const result = await probe(target({ kind: 'tcp', host: '127.0.0.1', port: refused }));
    expect(result.status).toBe('DOWN');
    expect(result.final.failure).toMatchObject({ class: 'TCP_REFUSED', phase: 'tcp', code: 'ECONNREFUSED' });
  });

  it('reads the banner and passes when it matches the expected pattern', async () => {
    const result = await probe(
      // waitMs as long as the whole attempt: only reading stops at the banner's line end lets it pass.
      target({
        kind: 'tcp',
        host: '127.0.0.1',
        port: greeter.port,
        banner: { expect: '^SSH-2\\.0-', waitMs: FAST.totalMs },
      }),
    );
    expect(result.status).toBe('UP');
    expect(result.final.banner).toBe('SSH-2.0-OpenSSH_9.6\r\n');
    expect(result.final.timings.ttfbMs).not.toBeNull();
  });

  it('is DOWN with ASSERTION when the banner does not match, showing what was sent', async () => {
    const result = await probe(
      target({ kind: 'tcp', host: '127.0.0.1', port: greeter.port, banner: { expect: '^220 ' } }),
    );
    expect(result.status).toBe('DOWN');
    expect(result.final.failure).toMatchObject({
      class: 'ASSERTION',
      phase: 'assertions',
      code: 'BANNER_MISMATCH',
    });
    expect(result.final.failure?.message).toContain('SSH-2.0-OpenSSH_9.6');
  });

  it('keeps the banner within maxBytes', async () => {
    const result = await probe(
      target({ kind: 'tcp', host: '127.0.0.1', port: greeter.port, banner: { maxBytes: 7 } }),
    );
    expect(result.status).toBe('UP');
    expect(result.final.banner).toBe('SSH-2.0');
  });

  it('is DOWN with BANNER_MISSING when an expected banner does not come within waitMs', async () => {
    const result = await probe(
      target({ kind: 'tcp', host: '127.0.0.1', port: silent.port, banner: { waitMs: 100, expect: '^220 ' } }),
    );
    expect(result.final.failure).toMatchObject({ class: 'ASSERTION', code: 'BANNER_MISSING' });
  });

  it('resolves through the named resolver and checks expectedIp', async () => {
    const up = await probe(
      target({
        kind: 'tcp',
        host: 'app.privatelink.test',
        port: greeter.port,
        resolver: dns.resolver,
        expectedIp: '127.0.0.1',
      }),
    );
    expect(up.status).toBe('UP');
    expect(up.final.dnsAnswers).toEqual(['127.0.0.1']);
    expect(up.final.timings.dnsMs).not.toBeNull();
    const wrong = await probe(
      target({
        kind: 'tcp',
        host: 'public.privatelink.test',
        port: greeter.port,
        resolver: dns.resolver,
        expectedIp: '127.0.0.1',
      }),
    );
    expect(wrong.final.failure).toMatchObject({ class: 'DNS_MISMATCH', phase: 'dns' });
    expect(wrong.final.failure?.message).toContain(PUBLIC_IP);
    expect(wrong.final.timings.tcpMs).toBeNull();
  });
});

describe('dns targets', () => {
  it('is UP when the answers are the expected ones, asking the named server', async () => {
    const before = dns.questions.length;
    const result = await probe(
      target({
        kind: 'dns',
        name: 'app.privatelink.test',
        resolver: dns.resolver,
        expectedAnswers: ['127.0.0.1'],
      }),
    );
    expect(result.status).toBe('UP');
    expect(result.final.dnsAnswers).toEqual(['127.0.0.1']);
    expect(result.final.resolvedIp).toBe('127.0.0.1');
    expect(result.final.timings).toMatchObject({ tcpMs: null, tlsMs: null, ttfbMs: null, transferMs: null });
    expect(result.final.timings.dnsMs).not.toBeNull();
    expect(dns.questions.slice(before)).toContain('app.privatelink.test A');
    expect(result.targetId).toBe('t');
  });

  it('is DOWN with DNS_MISMATCH and shows the answer when it is the public address', async () => {
    const result = await probe(
      target({
        kind: 'dns',
        name: 'public.privatelink.test',
        resolver: dns.resolver,
        expectedAnswers: '127.0.0.1',
      }),
    );
    expect(result.status).toBe('DOWN');
    expect(result.final.failure).toMatchObject({ class: 'DNS_MISMATCH', phase: 'dns', code: 'DNS_MISMATCH' });
    expect(result.final.failure?.message).toContain(PUBLIC_IP);
    expect(result.reason).toContain(PUBLIC_IP);
    // Stored like an http result: the raw row carries the class and the answer; absent phases stay absent.
    const row = attemptEntity(result, result.final);
    expect(row).toMatchObject({ failureClass: 'DNS_MISMATCH', dnsAnswers: PUBLIC_IP, status: 'DOWN' });
    expect(row).not.toHaveProperty('tcpMs');
    expect(row).not.toHaveProperty('statusCode');
  });

  it('checks CNAME and TXT answers (names compare without case or the root dot)', async () => {
    const cname = await probe(
      target({
        kind: 'dns',
        name: 'alias.privatelink.test',
        recordType: 'CNAME',
        resolver: dns.resolver,
        expectedAnswers: ['APP.privatelink.test.'],
      }),
    );
    expect(cname.status).toBe('UP');
    const txt = await probe(
      target({
        kind: 'dns',
        name: 'txt.privatelink.test',
        recordType: 'TXT',
        resolver: dns.resolver,
        expectedAnswers: ['v=spf1 -all'],
      }),
    );
    expect(txt.status).toBe('UP');
  });

  it('is DOWN with DNS (ENOTFOUND) for NXDOMAIN', async () => {
    const result = await probe(
      target({ kind: 'dns', name: 'missing.privatelink.test', resolver: dns.resolver }),
    );
    expect(result.final.failure).toMatchObject({ class: 'DNS', phase: 'dns', code: 'ENOTFOUND' });
  });

  it('is a DNS failure, not TCP_REFUSED, when the resolver port refuses', async () => {
    const result = await probe(
      target({ kind: 'dns', name: 'app.privatelink.test', resolver: `127.0.0.1:${refused}` }),
    );
    expect(result.final.failure).toMatchObject({ class: 'DNS', phase: 'dns' });
  });

  it('is DOWN with DNS (DNS_TIMEOUT) when the resolver does not answer', async () => {
    const result = await probe(
      target({
        kind: 'dns',
        name: 'slow.privatelink.test',
        resolver: dns.resolver,
        timeouts: { connectMs: 200, totalMs: 1000 },
      }),
    );
    expect(result.final.failure).toMatchObject({ class: 'DNS', phase: 'dns' });
    expect(['DNS_TIMEOUT', 'ETIMEOUT']).toContain(result.final.failure?.code);
    expect(result.final.timings.totalMs).toBeLessThan(900);
  });
});

describe('http targets through a named resolver', () => {
  it('is DOWN with DNS_MISMATCH when the resolver returns the public address, and never connects', async () => {
    const before = http.requests;
    const result = await probe(
      target({
        url: `http://public.privatelink.test:${http.port}/`,
        resolver: dns.resolver,
        expectedIp: '127.0.0.1',
      }),
    );
    expect(result.status).toBe('DOWN');
    expect(result.final.failure).toMatchObject({ class: 'DNS_MISMATCH', phase: 'dns' });
    expect(result.final.failure?.message).toContain(`resolved to ${PUBLIC_IP} through ${dns.resolver}`);
    expect(result.final.dnsAnswers).toEqual([PUBLIC_IP]);
    expect(result.final.timings.tcpMs).toBeNull();
    expect(http.requests).toBe(before);
  });

  it('is a mismatch when any answer is not the private endpoint (fail closed)', async () => {
    const result = await probe(
      target({
        url: `http://split.privatelink.test:${http.port}/`,
        resolver: dns.resolver,
        expectedIp: '127.0.0.1',
      }),
    );
    expect(result.final.failure?.class).toBe('DNS_MISMATCH');
  });

  it('is UP when the resolver returns the private endpoint address', async () => {
    const result = await probe(
      target({
        url: `http://app.privatelink.test:${http.port}/`,
        resolver: dns.resolver,
        expectedIp: '127.0.0.1',
      }),
    );
    expect(result.status).toBe('UP');
    expect(result.final.resolvedIp).toBe('127.0.0.1');
    expect(result.final.timings.dnsMs).not.toBeNull();
    expect(result.final.statusCode).toBe(200);
  });

  it('falls back to AAAA when the name has no A record', async () => {
    const v6 = await startProbeServer({ host: '::1' }).catch(() => null);
    if (v6 === null) return; // no IPv6 loopback on this machine
    try {
      const result = await probe(
        target({
          url: `http://v6only.privatelink.test:${v6.port}/`,
          resolver: dns.resolver,
          expectedIp: '::1',
        }),
      );
      expect(result.status).toBe('UP');
      expect(result.final.dnsAnswers).toEqual(['::1']);
    } finally {
      await v6.close();
    }
  });
});
