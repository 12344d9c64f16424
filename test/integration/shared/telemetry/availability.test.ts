import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TokenCredential } from '@azure/core-auth';
import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type IngestionStandIn,
  STAND_IN_IKEY,
  startIngestionStandIn,
} from '../../../../scripts/lab/ingestion-stand-in';
import { Container } from '../../../../shared/composition-root';
import { featureReports } from '../../../../shared/health/feature-report';
import { probeTick as runProbeTimer } from '../../../../shared/probe/use-cases/run-probes';
import { availabilityExporterLoaded } from '../../../../shared/telemetry/use-cases/publish-availability';
import { type ProbeTestServer, refusedPort, startProbeServer } from '../../../helpers/probe-servers';
import { azuriteConnectionString, uniqueTablePrefix } from '../../../helpers/storage';

/**
 * A real local HTTP server stands in for the Application Insights ingestion endpoint
 * (`IngestionEndpoint=https://127.0.0.1:PORT/` in the connection string; the exporter upgrades
 * http to https, so the stand-in speaks TLS with a certificate the container is told to trust) and
 * answers `/v2.1/track` the way Breeze does ({itemsReceived, itemsAccepted, errors}). It is the
 * same stand-in `npm run local` starts.
 */
let ingestion: IngestionStandIn;
let web: ProbeTestServer;
let closedPort: number;
const IKEY = STAND_IN_IKEY;

beforeAll(async () => {
  // Statsbeat stays off in tests either way: no traffic may leave loopback.
  process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
  ingestion = await startIngestionStandIn();
  web = await startProbeServer();
  closedPort = await refusedPort();
});
afterAll(async () => {
  await web.close();
  await ingestion.stop();
});

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

function container(env: Record<string, string>, credential?: TokenCredential) {
  return new Container({
    telemetry: { ca: ingestion.ca, ...(credential !== undefined ? { credential } : {}) },
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
    expect(ingestion.posts).toHaveLength(0);
  });

  it('sends one AvailabilityData envelope per target before the run returns', async () => {
    const c = container({
      APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString().replace('https:', 'http:'),
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
    const envelopes = ingestion.posts.flatMap((p) => p.envelopes);
    expect(ingestion.posts.every((p) => p.path === '/v2.1/track')).toBe(true);
    expect(envelopes).toHaveLength(2);
    const byName = Object.fromEntries(envelopes.map((e) => [String(e.data.baseData.name), e]));
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
    expect(Number(up?.data.baseData.properties?.ttfbMs)).toBeGreaterThanOrEqual(0);
    expect(Number(up?.data.baseData.properties?.tcpMs)).toBeGreaterThanOrEqual(0);
    expect(down?.data.baseData.success).toBe(false);
    expect(String(down?.data.baseData.message)).toMatch(/TCP_REFUSED|refused/i);
    expect(down?.data.baseData.properties).toMatchObject({
      class: 'TCP_REFUSED',
      phase: 'tcp',
      code: 'ECONNREFUSED',
      status: 'DOWN',
    });
    expect(ingestion.posts.every((p) => p.authorization === undefined)).toBe(true);
    expect(availabilityExporterLoaded).toBe(true);
  }, 30_000);

  it('with APPLICATIONINSIGHTS_AUTHENTICATION_STRING (Entra ID), sends a bearer token for the Monitor audience', async () => {
    ingestion.posts.length = 0;
    const scopes: string[] = [];
    const credential: TokenCredential = {
      async getToken(scope) {
        scopes.push(...(Array.isArray(scope) ? scope : [scope]));
        return { token: 'monitor-token', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const c = container(
      {
        APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString().replace('https:', 'http:'),
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING:
          'Authorization=AAD;ClientId=00000000-0000-0000-0000-000000000abc',
      },
      credential,
    );
    await runProbeTimer(timer, new InvocationContext({ logHandler: () => {} }), { container: c });
    expect(ingestion.posts.flatMap((p) => p.envelopes)).toHaveLength(2);
    expect(ingestion.posts.every((p) => p.authorization === 'Bearer monitor-token')).toBe(true);
    expect(scopes).toContain('https://monitor.azure.com/.default');
  }, 30_000);
});

describe('availability export failures are visible', () => {
  function capture(): { ctx: InvocationContext; warnings: string[] } {
    const warnings: string[] = [];
    const ctx = new InvocationContext({
      logHandler: (level, ...a) => {
        if (level === 'warning') warnings.push(a.join(' '));
      },
    });
    return { ctx, warnings };
  }
  const connectionString = () => ingestion.connectionString();

  it.each([403, 500])(
    'ingestion refusing with %i: one warning per failure streak with the reason, health shows telemetry degraded; a success clears it',
    async (status) => {
      const c = container({ APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString() });
      ingestion.refuseWith = status;
      try {
        const first = capture();
        await runProbeTimer(timer, first.ctx, { container: c });
        const second = capture();
        await runProbeTimer(timer, second.ctx, { container: c });
        const failed = first.warnings.filter((w) => w.includes('probe.availability.failed'));
        expect(failed).toHaveLength(1);
        expect(JSON.parse(failed[0] ?? '{}')).toMatchObject({ reason: `ingestion answered HTTP ${status}` });
        // The streak goes on: no second warning.
        expect(second.warnings.filter((w) => w.includes('probe.availability.failed'))).toEqual([]);
        // Nothing secret: neither the instrumentation key nor the endpoint is in the warning.
        expect(failed[0]).not.toContain(IKEY);
        expect(failed[0]).not.toContain('127.0.0.1');
        const telemetry = (await featureReports(c)).telemetry;
        expect(telemetry.detail).toMatchObject({ lastExport: 'failed' });
        expect(telemetry.problem?.message).toContain(`ingestion answered HTTP ${status}`);
        expect(JSON.stringify(telemetry)).not.toContain(IKEY);
      } finally {
        ingestion.refuseWith = null;
      }
      const after = capture();
      await runProbeTimer(timer, after.ctx, { container: c });
      expect(after.warnings.filter((w) => w.includes('probe.availability.failed'))).toEqual([]);
      const telemetry = (await featureReports(c)).telemetry;
      expect(telemetry.problem).toBeUndefined();
      expect(telemetry.detail).toMatchObject({ lastExport: 'ok' });
    },
    60_000,
  );

  it('a plain-http endpoint (the exporter speaks TLS to it) is reported unreachable', async () => {
    const plain = createHttpServer((_req, res) => res.writeHead(200).end('{}'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const port = (plain.address() as AddressInfo).port;
    try {
      const c = container({
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${IKEY};IngestionEndpoint=http://127.0.0.1:${port}/`,
      });
      const { ctx, warnings } = capture();
      await runProbeTimer(timer, ctx, { container: c });
      const failed = warnings.filter((w) => w.includes('probe.availability.failed'));
      expect(failed).toHaveLength(1);
      expect(JSON.parse(failed[0] ?? '{}').reason).toMatch(/^ingestion unreachable \(/);
      const telemetry = (await featureReports(c)).telemetry;
      expect(telemetry.problem?.message).toMatch(/ingestion unreachable/);
    } finally {
      plain.closeAllConnections();
      await new Promise<void>((resolve) => plain.close(() => resolve()));
    }
  }, 60_000);
});
