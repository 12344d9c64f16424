import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer as createTcpServer, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { freePort } from '../../emulators/azurite';
import { IIS_NOT_FOUND_PAGE, IIS_WELCOME_PAGE, sendIisPage } from '../../emulators/iis/iis-responses';

/**
 * Real HTTP and HTTPS servers on 127.0.0.1 for the probe's tests, one behaviour per path:
 *
 *   /                       IIS-like 200 (Server: Microsoft-IIS/10.0, title "IIS Windows Server")
 *   /slow/{ms}              the same, after {ms} before the headers
 *   /slow-body/{ms}         headers and half the body, then {ms} of silence, then the rest
 *   /slow-both/{ms}         {ms} before the headers, and {ms} of silence mid-body
 *   /status/{code}          that status with a small IIS-style page
 *   /wrong-body             200 with a page that is not IIS's
 *   /huge/{bytes}           200, {bytes} of body, chunked (no content-length)
 *   /huge-declared/{bytes}  200 with content-length {bytes} (and the body)
 *   /never                  reads the request, never answers
 *   /reset-mid-body         content-length 100000, sends 4 KiB, then a TCP RST
 *   /close-mid-body         content-length 100000, sends 4 KiB, then a FIN
 *   /reset-before-headers   RST as soon as the request arrives
 *   /flaky/{key}/{n}        the first {n} requests for {key} are reset, later ones are normal
 *
 * Plus a refused port (nothing listens), a silent TCP server (accepts, never speaks: TLS hangs) and
 * a black-hole listener whose accept queue is full, so a TCP connect really times out. Only
 * loopback addresses are ever used.
 */

export interface KeyPair {
  readonly key: string;
  readonly cert: string;
}

export interface TestPki {
  /** PEM of the test CA: pass it as a target's `ca`. */
  readonly ca: string;
  /** Valid now, for localhost, 127.0.0.1 and ::1. */
  readonly valid: KeyPair;
  /** Same names, but expired yesterday. */
  readonly expired: KeyPair;
  /** Valid now, but only for `other.invalid`. */
  readonly wrongName: KeyPair;
  /** Like `valid` (same names and dates), but a new key: a renewed certificate with its own fingerprint. */
  readonly renewed: KeyPair;
}

const DAY = 86_400_000;
let pki: Promise<TestPki> | undefined;

/** One test CA and its server certificates per test worker (EC keys: generated in milliseconds). */
export function testPki(): Promise<TestPki> {
  pki ??= makePki();
  return pki;
}

async function makePki(): Promise<TestPki> {
  const { generate } = await import('selfsigned');
  const now = Date.now();
  const ca = await generate([{ name: 'commonName', value: 'Gatekeeper Test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - DAY),
    notAfterDate: new Date(now + 30 * DAY),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const leaf = async (
    names: { dns: string[]; ips: string[] },
    from: number,
    to: number,
  ): Promise<KeyPair> => {
    const pems = await generate([{ name: 'commonName', value: names.dns[0] ?? 'test' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      notBeforeDate: new Date(from),
      notAfterDate: new Date(to),
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            ...names.dns.map((value) => ({ type: 2 as const, value })),
            ...names.ips.map((ip) => ({ type: 7 as const, ip })),
          ],
        },
      ],
    });
    return { key: pems.private, cert: pems.cert };
  };
  const local = { dns: ['localhost'], ips: ['127.0.0.1', '::1'] };
  const [valid, expired, wrongName, renewed] = await Promise.all([
    leaf(local, now - DAY, now + 10 * DAY),
    leaf(local, now - 10 * DAY, now - DAY),
    leaf({ dns: ['other.invalid'], ips: [] }, now - DAY, now + 10 * DAY),
    leaf(local, now - DAY, now + 10 * DAY),
  ]);
  return { ca: ca.cert, valid, expired, wrongName, renewed };
}

export interface ProbeTestServer {
  readonly origin: string;
  readonly port: number;
  /** `url('/slow/100')` → `http://127.0.0.1:{port}/slow/100`. */
  url(path?: string): string;
  /** Requests received so far (all paths). */
  readonly requests: number;
  /** Local ports of the connections seen so far, to check that every attempt opened a new one. */
  readonly clientPorts: readonly number[];
  close(): Promise<void>;
}

export interface ProbeServerOptions {
  /** A key pair makes it an HTTPS server. */
  readonly tls?: KeyPair;
  /** Default 127.0.0.1. Must be a loopback address. */
  readonly host?: string;
  /** Default 0 (any free port); a fixed port serves a new certificate at the same address. */
  readonly port?: number;
}

export async function startProbeServer(options: ProbeServerOptions = {}): Promise<ProbeTestServer> {
  const host = options.host ?? '127.0.0.1';
  if (!/^(127\.|::1$)/.test(host)) throw new Error(`test servers listen on loopback only, not ${host}`);
  const flaky = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const clientPorts: number[] = [];
  let requests = 0;
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    requests += 1;
    const head = request.method === 'HEAD';
    const parts = (request.url ?? '/').split('?')[0]?.split('/').filter(Boolean) ?? [];
    const [route, arg, arg2] = parts;
    const socket = request.socket;
    switch (route) {
      case undefined:
        return sendIisPage(response, 200, IIS_WELCOME_PAGE, { head });
      case 'slow':
        return later(Number(arg), () => sendIisPage(response, 200, IIS_WELCOME_PAGE, { head }));
      case 'slow-body':
      case 'slow-both': {
        const body = Buffer.from(IIS_WELCOME_PAGE);
        const ms = Number(arg);
        return later(route === 'slow-both' ? ms : 0, () => {
          response.writeHead(200, {
            'Content-Type': 'text/html',
            'Content-Length': body.length,
            Server: 'Microsoft-IIS/10.0',
          });
          response.write(body.subarray(0, body.length >> 1));
          later(ms, () => response.end(body.subarray(body.length >> 1)));
        });
      }
      case 'status':
        return sendIisPage(response, Number(arg), IIS_NOT_FOUND_PAGE, { head });
      case 'wrong-body':
        response.writeHead(200, { 'Content-Type': 'text/html', Server: 'Microsoft-IIS/10.0' });
        return response.end(
          '<html><head><title>Welcome to nginx!</title></head><body>default page</body></html>',
        );
      case 'huge':
      case 'huge-declared': {
        const total = Number(arg);
        response.writeHead(200, {
          'Content-Type': 'application/octet-stream',
          Server: 'Microsoft-IIS/10.0',
          ...(route === 'huge-declared' ? { 'Content-Length': total } : {}),
        });
        return streamZeros(response, total);
      }
      case 'never':
        return; // the request was read; the response never comes
      case 'reset-mid-body':
      case 'close-mid-body':
        response.writeHead(200, {
          'Content-Type': 'text/html',
          'Content-Length': 100_000,
          Server: 'Microsoft-IIS/10.0',
        });
        response.write(Buffer.alloc(4096, 0x61));
        // A short pause so the first bytes reach the client before the connection dies.
        return later(30, () => (route === 'reset-mid-body' ? socket.resetAndDestroy() : socket.destroy()));
      case 'reset-before-headers':
        return void socket.resetAndDestroy();
      case 'flaky': {
        const key = arg ?? '';
        const seen = (flaky.get(key) ?? 0) + 1;
        flaky.set(key, seen);
        if (seen <= Number(arg2 ?? 1)) return void socket.resetAndDestroy();
        return sendIisPage(response, 200, IIS_WELCOME_PAGE, { head });
      }
      default:
        return sendIisPage(response, 404, IIS_NOT_FOUND_PAGE, { head });
    }
  };

  const server: Server =
    options.tls === undefined ? createHttpServer(handle) : createHttpsServer({ ...options.tls }, handle);
  server.on('connection', (socket: Socket) => {
    if (socket.remotePort !== undefined) clientPorts.push(socket.remotePort);
  });
  // TLS handshakes we make fail on purpose (expired, wrong name); the server must not mind.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const origin = `${options.tls === undefined ? 'http' : 'https'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    origin,
    port,
    url: (path = '/') => `${origin}${path}`,
    get requests() {
      return requests;
    },
    clientPorts,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function streamZeros(response: ServerResponse, total: number): void {
  const chunk = Buffer.alloc(64 * 1024);
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      const part = chunk.subarray(0, Math.min(chunk.length, total - sent));
      sent += part.length;
      if (!response.write(part)) return void response.once('drain', pump);
    }
    response.end();
  };
  response.once('close', () => {
    sent = total;
  });
  pump();
}

/** A loopback port where nothing listens: connections are refused. */
export function refusedPort(): Promise<number> {
  return freePort('127.0.0.1');
}

/** Accepts TCP connections and never sends a byte: a TLS handshake against it never completes. */
export async function startSilentServer(): Promise<{ readonly port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface BlackHole {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A listener whose accept queue is full and that never accepts: new SYNs are dropped, so a TCP
 * connect hangs until the client gives up (a real TCP_TIMEOUT, on loopback). The listening socket
 * lives in a worker thread whose event loop is blocked, so nothing ever calls accept().
 */
export async function startBlackHole(): Promise<BlackHole> {
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const server = require('node:net').createServer();
     server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       Atomics.wait(workerData, 0, 0);
       server.close();
     });`,
    { eval: true, workerData: gate },
  );
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const fillers: Socket[] = [];
  for (let i = 0; i < 16; i++) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      fillers.push(socket);
      const timer = setTimeout(() => resolve(false), 150);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!connected) break; // the queue is full: this SYN went unanswered
  }
  return {
    port,
    async close() {
      for (const socket of fillers) socket.destroy();
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      await new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        setTimeout(() => void worker.terminate().then(() => resolve()), 2000).unref();
      });
    },
  };
}
