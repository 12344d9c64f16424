/**
 * Target servers for bench:probe-peer, run as their own process (`node dist/bench/peer-targets.js`)
 * so that their CPU is charged to no prober: an http and an https listener on 127.0.0.1 that answer
 * `GET /delay/<ms>` after that many milliseconds with a small IIS-like page. The https certificate
 * is issued at start by a throwaway CA (selfsigned) for 127.0.0.1; the CA file is written where the
 * parent asks, so every prober verifies the chain the same way.
 * Prints one JSON line `{ httpPort, httpsPort }` when listening; exits on SIGTERM or stdin close.
 */
import { writeFileSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';

const BODY = Buffer.from(
  '<!DOCTYPE html><html><head><title>IIS Windows Server</title></head><body>bench</body></html>',
);
const DAY = 86_400_000;

function answer(request: IncomingMessage, response: ServerResponse): void {
  const match = /^\/delay\/(\d{1,5})(?:\?|$)/.exec(request.url ?? '');
  const delay = match?.[1] === undefined ? 0 : Number(match[1]);
  request.resume();
  const send = () => {
    response.writeHead(200, {
      'content-type': 'text/html',
      'content-length': BODY.length,
      server: 'Microsoft-IIS/10.0',
    });
    response.end(BODY);
  };
  if (delay === 0) send();
  else setTimeout(send, delay);
}

async function certificates(): Promise<{ ca: string; key: string; cert: string }> {
  const { generate } = await import('selfsigned');
  const now = Date.now();
  const ca = await generate([{ name: 'commonName', value: 'probe-peer bench CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - DAY),
    notAfterDate: new Date(now + 7 * DAY),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const leaf = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - DAY),
    notAfterDate: new Date(now + 7 * DAY),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  return { ca: ca.cert, key: leaf.private, cert: leaf.cert };
}

async function main(): Promise<void> {
  const caFile = process.argv[2];
  if (caFile === undefined) throw new Error('usage: peer-targets.js <ca-file-to-write>');
  const pems = await certificates();
  writeFileSync(caFile, pems.ca);
  const http = createHttp(answer);
  const https = createHttps({ key: pems.key, cert: pems.cert }, answer);
  for (const server of [http, https]) {
    server.maxConnections = 20_000;
    server.keepAliveTimeout = 2_000;
  }
  const listen = (server: typeof http | typeof https) =>
    new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', 4096, () => resolve((server.address() as AddressInfo).port)),
    );
  const [httpPort, httpsPort] = await Promise.all([listen(http), listen(https)]);
  process.stdout.write(`${JSON.stringify({ httpPort, httpsPort })}\n`);
  const stop = () => {
    http.closeAllConnections();
    https.closeAllConnections();
    http.close();
    https.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

main().catch((error: unknown) => {
  process.stderr.write(`peer-targets: ${(error as Error).message}\n`);
  process.exit(1);
});
