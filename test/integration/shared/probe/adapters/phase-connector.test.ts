import type { Socket } from 'node:net';
import { createSecureContext, rootCertificates, TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  directConnector,
  emptyObservation,
  phaseConnector,
} from '../../../../../shared/probe/adapters/phase-connector';
import { type ProbeTestServer, startProbeServer, testPki } from '../../../../helpers/probe-servers';

let https: ProbeTestServer;
let http: ProbeTestServer;
let ca: string;
beforeAll(async () => {
  const pki = await testPki();
  ca = pki.ca;
  [https, http] = await Promise.all([startProbeServer({ tls: pki.valid }), startProbeServer()]);
});
afterAll(async () => {
  await Promise.all([https?.close(), http?.close()]);
});

/**
 * Connects through the phase connector and logs every mark and the moment Node starts the TLS
 * handshake (`TLSSocket#_start`, where the ClientHello is built and written, run from the socket's
 * 'connect' listener): the TCP mark must come first, or that work is counted as TCP time.
 */
type Base = 'undici' | 'direct';

async function connect(protocol: 'http:' | 'https:', port: number, kind: Base) {
  const observation = emptyObservation();
  const log: string[] = [];
  const phases: string[] = [];
  let sessionListeners = -1;
  let authorized: boolean | null = null;
  const proto = TLSSocket.prototype as unknown as { _start(this: TLSSocket): void };
  const start = proto._start;
  proto._start = function (this: TLSSocket) {
    log.push('handshake');
    start.call(this);
  };
  const connector = phaseConnector({
    base:
      kind === 'undici'
        ? buildConnector({ ca, rejectUnauthorized: false, maxCachedSessions: 0, timeout: 0 })
        : directConnector(createSecureContext({ ca: [...rootCertificates, ca] })),
    ip: '127.0.0.1',
    now: () => {
      log.push('mark');
      return performance.now();
    },
    observation,
    onPhase: (phase) => phases.push(phase),
  });
  try {
    const socket = await new Promise<Socket>((resolve, reject) => {
      connector(
        { protocol, hostname: 'localhost', host: 'localhost', port: String(port), servername: 'localhost' },
        (error, connected) => (error === null && connected !== null ? resolve(connected) : reject(error)),
      );
    });
    sessionListeners = socket.listenerCount('session');
    authorized = socket instanceof TLSSocket ? socket.authorized : null;
    socket.destroy();
  } finally {
    proto._start = start;
  }
  return { observation, log, phases, sessionListeners, authorized };
}

describe.each(['undici', 'direct'] as const)('phase connector over the %s connector', (kind) => {
  it('marks the end of TCP for https before the TLS handshake starts', async () => {
    const { observation, log, phases, authorized } = await connect('https:', https.port, kind);
    // Marks: tcp start, tcp end, then the handshake, then tls end.
    expect(log).toEqual(['mark', 'mark', 'handshake', 'mark']);
    expect(phases).toEqual(['tcp', 'tls', 'request']);
    const { tcpStartAt, tcpEndAt, tlsEndAt } = observation;
    expect(tcpStartAt).not.toBeNull();
    expect(tcpEndAt ?? 0).toBeGreaterThanOrEqual(tcpStartAt ?? 0);
    expect(tlsEndAt ?? 0).toBeGreaterThan(tcpEndAt ?? 0);
    expect(observation.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(observation.tls?.subject).toBe('CN=localhost');
    expect(authorized).toBe(true);
  });

  it('marks plain http as connected when the socket connects, with no handshake', async () => {
    const { observation, log, phases } = await connect('http:', http.port, kind);
    expect(log).toEqual(['mark', 'mark']);
    expect(phases).toEqual(['tcp', 'request']);
    expect(observation.tlsEndAt).toBeNull();
    expect(observation.localPort).toEqual(expect.any(Number));
  });
});

describe('direct connector', () => {
  it('leaves no session listener on the socket (Node would serialise every ticket for it)', async () => {
    const { sessionListeners } = await connect('https:', https.port, 'direct');
    expect(sessionListeners).toBe(0);
  });
});

describe('reads of the response', () => {
  it("notes the clock at the first and at the last read of response bytes (the engine's first byte and end)", async () => {
    // A counting clock: every reading is the next integer, so each mark says which call took it.
    let ticks = 0;
    const observation = emptyObservation();
    const connector = phaseConnector({
      base: directConnector(undefined),
      ip: '127.0.0.1',
      now: () => ++ticks,
      observation,
      onPhase: () => undefined,
    });
    const socket = await new Promise<Socket>((resolve, reject) => {
      connector(
        { protocol: 'http:', hostname: '127.0.0.1', host: `127.0.0.1:${http.port}`, port: String(http.port) },
        (error, connected) => (error === null && connected !== null ? resolve(connected) : reject(error)),
      );
    });
    const marksAtConnect = ticks; // tcp start and tcp end
    // Read the way undici does: read() on 'readable' until it returns null. /slow-body/50 sends the
    // headers and half the body, then the rest 50 ms later: at least two reads with bytes.
    let reads = 0;
    await new Promise<void>((resolve, reject) => {
      socket.on('readable', () => {
        for (let chunk = socket.read(); chunk !== null; chunk = socket.read()) reads++;
      });
      socket.once('end', resolve);
      socket.once('error', reject);
      socket.write(`GET /slow-body/50 HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n`);
    });
    socket.destroy();
    expect(marksAtConnect).toBe(2);
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(observation.firstReadAt).toBe(marksAtConnect + 1);
    expect(observation.lastReadAt).toBe(marksAtConnect + reads);
    expect(observation.httpVersion).toBe('1.1');
  });
});
