import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { TokenCredential } from '@azure/core-auth';
import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Container } from '../../../../shared/composition-root';
import { runProbeTimer } from '../../../../shared/probe/handlers/probe-handlers';
import { availabilityExporterLoaded } from '../../../../shared/telemetry/use-cases/publish-availability';
import { type ProbeTestServer, refusedPort, startProbeServer, testPki } from '../../../helpers/probe-servers';
import { azuriteConnectionString, uniqueTablePrefix } from '../../../helpers/storage';

/**
 * A real local HTTP server stands in for the Application Insights ingestion endpoint
 * (`IngestionEndpoint=http://127.0.0.1:PORT/` in the connection string) and answers `/v2.1/track`
 * the way Breeze does ({itemsReceived, itemsAccepted, errors}).
 */
interface Envelope {
  name: string;
  iKey: string;
  time: string;
  data: { baseType: string; baseData: Record<string, unknown> & { properties: Record<string, string> } };
}

let ingestion: Server;
let ingestionPort: number;
const posts: { path: string; authorization: string | undefined; envelopes: Envelope[] }[] = [];
let ca: string;
let web: ProbeTestServer;
let closedPort: number;
const IKEY = '00000000-1111-2222-3333-444444444444';

beforeAll(async () => {
  // Statsbeat stays off in tests either way: no traffic may leave loopback.
  process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
  const pki = await testPki();
  ca = pki.ca;
  // https: the exporter upgrades any IngestionEndpoint to https, so the stand-in speaks TLS with the test CA.
  ingestion = createServer({ key: pki.valid.key, cert: pki.valid.cert }, (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const text = raw.toString('utf8');
      // The track endpoint takes a JSON array (or newline-delimited JSON).
      const envelopes = (
        text.trimStart().startsWith('[')
          ? JSON.parse(text)
          : text
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l))
      ) as Envelope[];
      posts.push({ path: req.url ?? '', authorization: req.headers.authorization, envelopes });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ itemsReceived: envelopes.length, itemsAccepted: envelopes.length, errors: [] }),
      );
    });
  });
  await new Promise<void>((r) => ingestion.listen(0, '127.0.0.1', r));
  ingestionPort = (ingestion.address() as AddressInfo).port;
  web = await startProbeServer();
  closedPort = await refusedPort();
});
afterAll(async () => {
  await web.close();
  await new Promise((r) => ingestion.close(r));
});

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

function container(env: Record<string, string>, credential?: TokenCredential) {
  return new Container({
    telemetry: { ca, ...(credential !== undefined ? { credential } : {}) },
    env: {
      AzureWebJobsStorage: azuriteConnectionString(),
      TABLE_NAME_PREFIX: uniqueTablePrefix(),
      PROBE_TARGETS: JSON.stringify([
        { id: 'iis', displayName: 'IIS through pe-northwind-web', url: web.url('/') },
        { id: 'dead', displayName: 'Dead backend', url: `http://127.0.0.1:${closedPort}/`, retries: 0 },
      ]),
      ...env,
    },
  });
}

describe('availability results in Application Insights', () => {
  it('without APPLICATIONINSIGHTS_CONNECTION_STRING, loads no exporter and sends nothing', async () => {
    await runProbeTimer(timer, new InvocationContext(), { container: container({}) });
    expect(availabilityExporterLoaded).toBe(false);
    expect(posts).toHaveLength(0);
  });

  it('sends one AvailabilityData envelope per target before the run returns', async () => {
    const c = container({
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${IKEY};IngestionEndpoint=http://127.0.0.1:${ingestionPort}/`,
      PROBE_RUN_LOCATION: 'westeurope-consumer',
    });
    const warnings: string[] = [];
    const ctx = new InvocationContext({
      logHandler: (level, ...a) => {
        if (level !== 'information') warnings.push(a.join(' '));
      },
    });
    await runProbeTimer(timer, ctx, { container: c });
    expect(warnings.filter((w) => w.includes('availability'))).toEqual([]);
    // No waiting: the run flushed before it returned.
    const envelopes = posts.flatMap((p) => p.envelopes);
    expect(posts.every((p) => p.path === '/v2.1/track')).toBe(true);
    expect(envelopes).toHaveLength(2);
    const byName = Object.fromEntries(envelopes.map((e) => [e.data.baseData.name, e]));
    const up = byName['IIS through pe-northwind-web'];
    const down = byName['Dead backend'];
    for (const e of [up, down]) {
      expect(e?.name).toBe('Microsoft.ApplicationInsights.Availability');
      expect(e?.iKey).toBe(IKEY);
      expect(e?.data.baseType).toBe('AvailabilityData');
      expect(e?.data.baseData.runLocation).toBe('westeurope-consumer');
      expect(e?.data.baseData.duration).toMatch(/^\d+\.\d{2}:\d{2}:\d{2}\.\d{3}$/);
      expect(typeof e?.data.baseData.id).toBe('string');
    }
    expect(up?.data.baseData.success).toBe(true);
    expect(up?.data.baseData.properties).toMatchObject({
      targetId: 'iis',
      status: 'UP',
      resolvedIp: '127.0.0.1',
      httpStatus: '200',
    });
    expect(Number(up?.data.baseData.properties.ttfbMs)).toBeGreaterThanOrEqual(0);
    expect(Number(up?.data.baseData.properties.tcpMs)).toBeGreaterThanOrEqual(0);
    expect(down?.data.baseData.success).toBe(false);
    expect(String(down?.data.baseData.message)).toMatch(/TCP_REFUSED|refused/i);
    expect(down?.data.baseData.properties).toMatchObject({
      class: 'TCP_REFUSED',
      phase: 'tcp',
      code: 'ECONNREFUSED',
      status: 'DOWN',
    });
    expect(posts.every((p) => p.authorization === undefined)).toBe(true);
    expect(availabilityExporterLoaded).toBe(true);
  }, 30_000);

  it('with APPLICATIONINSIGHTS_AUTHENTICATION_STRING (Entra ID), sends a bearer token for the Monitor audience', async () => {
    posts.length = 0;
    const scopes: string[] = [];
    const credential: TokenCredential = {
      async getToken(scope) {
        scopes.push(...(Array.isArray(scope) ? scope : [scope]));
        return { token: 'monitor-token', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const c = container(
      {
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${IKEY};IngestionEndpoint=http://127.0.0.1:${ingestionPort}/`,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING:
          'Authorization=AAD;ClientId=00000000-0000-0000-0000-000000000abc',
      },
      credential,
    );
    await runProbeTimer(timer, new InvocationContext({ logHandler: () => {} }), { container: c });
    expect(posts.flatMap((p) => p.envelopes)).toHaveLength(2);
    expect(posts.every((p) => p.authorization === 'Bearer monitor-token')).toBe(true);
    expect(scopes).toContain('https://monitor.azure.com/.default');
  }, 30_000);
});
