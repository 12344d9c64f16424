/**
 * The runtime's floor for bench:probe-peer: a bare `net`/`tls` client doing the exchange our engine
 * does, in its own forked process on the same runtime (the parent picks the execPath), answering
 * the same IPC jobs as peer-ours ('one' and 'batch'). What it measures is what any prober on this
 * runtime pays at least; ours − floor is the engine's own cost per phase.
 *
 * The exchange and the clock follow the engine (shared/probe/adapters/phase-connector.ts and
 * http-attempt.ts) so that only the engine's own work differs:
 * - the address is the URL's literal (no DNS on either side), one fresh connection per request;
 * - https: one secure context per CA (root store plus the bench CA), SNI by the same rule (none for
 *   an address literal), ALPN `http/1.1`, no session passed (so none resumed), the chain verified;
 * - the request is the engine's: `GET <path>` with host, user-agent, accept, written by hand;
 * - the clock is `performance.now()`: start just before the connect call; TCP at the socket's
 *   'connect' event (for https a listener put first, as the engine does, so building the
 *   ClientHello falls in the TLS phase); TLS at 'secureConnect'; first byte at the first 'data'
 *   event; total when the body's declared length has arrived (the engine ends when its parser
 *   completes the message, not when the server closes).
 */
import { readFileSync } from 'node:fs';
import { isIP, type Socket, connect as tcpConnect } from 'node:net';
import { createSecureContext, rootCertificates, type SecureContext, connect as tlsConnect } from 'node:tls';
import { VERSION } from '../shared/version';
import { serveJobs } from './peer-ipc';
import type { OursAnswer, OursJob, OursTimings } from './peer-ours';

const USER_AGENT = `private-link-gatekeeper-probe/${VERSION}`;

let context: SecureContext | undefined;

function secureContext(): SecureContext {
  if (context === undefined) {
    const ca = process.env.PEER_CA_PEM;
    context = createSecureContext(ca === undefined ? {} : { ca: [...rootCertificates, ca] });
  }
  return context;
}

/** Index just past the blank line ending the headers, or -1 while they are still incomplete. */
function headersEnd(head: Buffer): number {
  const at = head.indexOf('\r\n\r\n');
  return at === -1 ? -1 : at + 4;
}

function declaredLength(head: string): number | null {
  const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  return match?.[1] === undefined ? null : Number(match[1]);
}

/** One exchange on a fresh connection; resolves with the engine's four figures. */
export function floorExchange(url: URL): Promise<OursTimings> {
  return new Promise((resolve, reject) => {
    const https = url.protocol === 'https:';
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port) || (https ? 443 : 80);
    const request = Buffer.from(
      `GET ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\nuser-agent: ${USER_AGENT}\r\naccept: */*\r\n\r\n`,
      'latin1',
    );
    let tcpEnd: number | null = null;
    let tlsEnd: number | null = null;
    let firstByte: number | null = null;
    let received: Buffer = Buffer.alloc(0);
    let bodyStart = -1;
    let expected: number | null = null;
    const t0 = performance.now();
    const socket: Socket = https
      ? tlsConnect({
          host,
          port,
          ...(isIP(host) === 0 ? { servername: host } : {}),
          secureContext: secureContext(),
          ALPNProtocols: ['http/1.1'],
        })
      : tcpConnect({ host, port });
    socket.setNoDelay(true);
    const finish = () => {
      const end = performance.now();
      socket.destroy();
      const r = (ms: number) => Math.round(ms * 1000) / 1000;
      resolve({
        tcpMs: tcpEnd === null ? null : r(tcpEnd - t0),
        tlsMs: https && tcpEnd !== null && tlsEnd !== null ? r(tlsEnd - tcpEnd) : null,
        firstByteAtMs: firstByte === null ? null : r(firstByte - t0),
        totalMs: r(end - t0),
      });
    };
    socket.prependOnceListener('connect', () => {
      tcpEnd = performance.now();
      if (!https) socket.write(request);
    });
    if (https)
      socket.once('secureConnect', () => {
        tlsEnd = performance.now();
        socket.write(request);
      });
    socket.on('data', (chunk: Buffer) => {
      firstByte ??= performance.now();
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      if (bodyStart === -1) {
        bodyStart = headersEnd(received);
        if (bodyStart === -1) return;
        expected = declaredLength(received.subarray(0, bodyStart).toString('latin1'));
      }
      if (expected !== null && received.length - bodyStart >= expected) finish();
    });
    socket.on('end', () => {
      if (expected === null && bodyStart !== -1) finish();
      else reject(new Error('the connection ended before the response did'));
    });
    socket.on('error', reject);
  });
}

async function run(job: OursJob): Promise<OursAnswer> {
  if (job.kind === 'one') return { kind: 'one', timings: await floorExchange(new URL(job.url)) };
  if (job.kind === 'batch') {
    const url = new URL(job.url);
    const cpu = process.cpuUsage();
    const started = performance.now();
    let failures = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        while (next++ < job.count) await floorExchange(url).catch(() => failures++);
      }),
    );
    const used = process.cpuUsage(cpu);
    return {
      kind: 'batch',
      cpuUs: used.user + used.system,
      wallMs: performance.now() - started,
      peakRssBytes: process.memoryUsage.rss(),
      failures,
    };
  }
  throw new Error(`the floor does not run ${job.kind} jobs`);
}

function main(): void {
  // Read once here so a bad CA fails at start, not inside the first timed exchange.
  if (process.env.PEER_CA_PEM === undefined && process.env.PEER_CA_FILE !== undefined)
    process.env.PEER_CA_PEM = readFileSync(process.env.PEER_CA_FILE, 'utf8');
  secureContext();
  serveJobs(run);
}

// Forked as its own process it serves jobs; peer-ours imports `floorExchange` without this.
if (require.main === module) main();
