/**
 * A local stand-in for the Application Insights ingestion endpoint (Breeze): `POST /v2.1/track`
 * takes a JSON array (or newline-delimited JSON) of envelopes, gzip or not, and answers
 * `{itemsReceived, itemsAccepted, errors}` as the service does. It speaks https on 127.0.0.1 with a
 * certificate of its own, because the Azure Monitor exporter upgrades every IngestionEndpoint to
 * https; whoever points an exporter at it must trust `ca`. `GET /lab/availability` tells what it
 * received, so a test of a lab in another process can read the tally.
 *
 * The local lab starts one for `npm run local`; the availability integration test uses the same.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';

/** An envelope as the track endpoint receives it: only what the stand-in reads is required. */
export const envelopeSchema = z.looseObject({
  name: z.string(),
  iKey: z.string(),
  time: z.string(),
  data: z.looseObject({
    baseType: z.string(),
    baseData: z.looseObject({ properties: z.record(z.string(), z.string()).optional() }),
  }),
});
export type Envelope = z.infer<typeof envelopeSchema>;

export interface IngestionPost {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly envelopes: readonly Envelope[];
}

/** Availability results received, in total and per test name. */
export const availabilityTallySchema = z.object({
  results: z.number().int(),
  successful: z.number().int(),
  tests: z.record(z.string(), z.object({ results: z.number().int(), successful: z.number().int() })),
});
export type AvailabilityTally = z.infer<typeof availabilityTallySchema>;

export interface IngestionStandIn {
  /** `https://127.0.0.1:PORT/` */
  readonly url: string;
  /** The certificate (PEM) a client must trust to reach `url`. */
  readonly ca: string;
  /** APPLICATIONINSIGHTS_CONNECTION_STRING pointing at the stand-in. */
  connectionString(instrumentationKey?: string): string;
  /** Every track request, oldest first (clear it with `posts.length = 0`). */
  readonly posts: IngestionPost[];
  /** When set, every track request is refused with this status (a test of export failures sets it). */
  refuseWith: number | null;
  availability(): AvailabilityTally;
  stop(): Promise<void>;
}

export const STAND_IN_IKEY = '00000000-1111-2222-3333-444444444444';
const AVAILABILITY = 'AvailabilityData';

export async function startIngestionStandIn(): Promise<IngestionStandIn> {
  const tls = await loopbackCertificate();
  const posts: IngestionPost[] = [];
  const availability = (): AvailabilityTally => {
    const tally: AvailabilityTally = { results: 0, successful: 0, tests: {} };
    for (const envelope of posts.flatMap((p) => p.envelopes)) {
      if (envelope.data.baseType !== AVAILABILITY) continue;
      const name = String(envelope.data.baseData.name ?? '');
      const ok = envelope.data.baseData.success === true;
      const test = tally.tests[name] ?? { results: 0, successful: 0 };
      tally.tests[name] = test;
      tally.results++;
      test.results++;
      if (ok) {
        tally.successful++;
        test.successful++;
      }
    }
    return tally;
  };
  const control = { refuseWith: null as number | null };
  const server: Server = createServer(tls, (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (req.method === 'GET' && path === '/lab/availability') return json(res, 200, availability());
      if (req.method !== 'POST' || !path.endsWith('/track')) return json(res, 404, { error: 'not found' });
      if (control.refuseWith !== null)
        return json(res, control.refuseWith, { itemsReceived: 0, itemsAccepted: 0, errors: [] });
      let envelopes: Envelope[];
      try {
        envelopes = parseEnvelopes(Buffer.concat(chunks), req.headers['content-encoding']);
      } catch {
        return json(res, 400, { itemsReceived: 0, itemsAccepted: 0, errors: [{ message: 'bad body' }] });
      }
      posts.push({ path, authorization: req.headers.authorization, envelopes });
      json(res, 200, { itemsReceived: envelopes.length, itemsAccepted: envelopes.length, errors: [] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    ca: tls.cert,
    connectionString: (iKey = STAND_IN_IKEY) => `InstrumentationKey=${iKey};IngestionEndpoint=${url}`,
    posts,
    get refuseWith() {
      return control.refuseWith;
    },
    set refuseWith(status: number | null) {
      control.refuseWith = status;
    },
    availability,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function parseEnvelopes(body: Buffer, encoding: string | undefined): Envelope[] {
  const text = (encoding === 'gzip' ? gunzipSync(body) : body).toString('utf8');
  const items: unknown[] = text.trimStart().startsWith('[')
    ? z.array(z.unknown()).parse(JSON.parse(text))
    : text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line): unknown => JSON.parse(line));
  return items.map((item) => envelopeSchema.parse(item));
}

/** A self-signed certificate for 127.0.0.1, made at start: the stand-in lives as long as the process. */
async function loopbackCertificate(): Promise<{ key: string; cert: string }> {
  const { generate } = await import('selfsigned');
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 3_600_000),
    notAfterDate: new Date(now + 30 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7 as const, ip: '127.0.0.1' }] },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
