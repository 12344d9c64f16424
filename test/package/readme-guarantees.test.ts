import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArmEmulator, startArmEmulator } from '../../emulators/arm';
import { RecordingLogger } from '../../scripts/local-host/invocation-logger';
import type { LocalHost } from '../../scripts/local-host/local-host';
import { decisionListSchema } from '../../shared/api/core/api-schemas';
import { LOOPBACK_ARM_TOKEN } from '../../shared/arm/loopback-credential';
import { probeSeriesSchema } from '../../shared/dashboard/core/dashboard-schemas';
import { probesSummarySchema } from '../../shared/probe/core/probe-summary-types';
import {
  guidOf,
  PROVIDER_SUBSCRIPTION,
  PROVIDER_TENANT,
  plsIdOf,
  privateEndpointIdOf,
} from '../helpers/arm-emulator';
import { type PackageHost, startPackageHost } from '../helpers/package-host';
import { parseBody } from '../helpers/parse-body';
import { azuriteConnectionString, uniqueTablePrefix } from '../helpers/storage';
import { stagedPackage } from '../helpers/test-build';
import { type Sink, startSink, waitFor } from '../integration/shared/notify/notify-harness';

/**
 * Every README guarantee shown through the deployment package as it ships: the staged folder
 * (unpacked from the zip) is loaded the way the Functions worker loads it (package.json main, with
 * `@azure/functions-core` provided; each implementation loads inside the package on first call) and
 * served by the local host, against Azurite, the ARM emulator (which accepts only the token the
 * package's loopback credential sends), a live probe target and a real webhook on 127.0.0.1.
 * Nothing of the sources is injected: the package builds its own composition root from the settings.
 */

const TRUSTED_TENANT = 'bbbbbbbb-0000-4000-8000-000000000002';
const OTHER_TENANT = 'cccccccc-0000-4000-8000-000000000003';
const TRUSTED_SUB = guidOf(1, 'd1');
const OTHER_SUB = guidOf(2, 'd2');
const PLS = 'pls-package';

const POLICY = `
version: 1
rules:
  - name: trusted-tenant
    action: approve
    match:
      consumerTenants: ["${TRUSTED_TENANT}"]
      requestMessage: "CHG\\\\d{7}"
default:
  action: manual
`;

describe('the staged deployment package keeps the README promises', () => {
  const logger = new RecordingLogger();
  const savedEnv = { ...process.env };
  let emulator: ArmEmulator;
  let target: Server;
  let sink: Sink;
  let pkg: PackageHost;
  let host: LocalHost;

  beforeAll(async () => {
    const packageDir = await stagedPackage();
    emulator = await startArmEmulator({ expectedToken: LOOPBACK_ARM_TOKEN, lroDurationMs: 5 });
    emulator.world.addSubscription(PROVIDER_SUBSCRIPTION, PROVIDER_TENANT);
    emulator.world.addSubscription(TRUSTED_SUB, TRUSTED_TENANT);
    emulator.world.addSubscription(OTHER_SUB, OTHER_TENANT);
    emulator.world.addPrivateLinkService({ id: plsIdOf(PLS) });
    target = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<title>IIS Windows Server</title>');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    sink = await startSink();
    const prefix = uniqueTablePrefix();
    const env: Record<string, string> = {
      AzureWebJobsStorage: azuriteConnectionString(),
      TABLE_NAME_PREFIX: prefix,
      NOTIFY_QUEUE_NAME: `${prefix}-notify`,
      PROBE_QUEUE_NAME: `${prefix}-probe`,
      RECONCILE_QUEUE_NAME: `${prefix}-reconcile`,
      ARM_ENDPOINT: emulator.url,
      PLS_RESOURCE_IDS: plsIdOf(PLS),
      APPROVAL_POLICY: POLICY,
      PROBE_TARGETS: JSON.stringify({
        targets: [
          {
            id: 'live',
            url: `http://127.0.0.1:${(target.address() as AddressInfo).port}/`,
            assertions: { status: [200], bodyContains: 'IIS Windows Server' },
            failureThreshold: 1,
            successThreshold: 1,
          },
        ],
      }),
      NOTIFY_WEBHOOKS: JSON.stringify([{ name: 'generic-sink', kind: 'generic', url: sink.url }]),
      NOTIFY_RETRY_BASE_SECONDS: '1',
      AUTH_MODE: 'dev',
    };
    pkg = await startPackageHost(packageDir, env, logger);
    host = pkg.host;
  }, 300_000);

  afterAll(async () => {
    await pkg?.stop();
    await emulator?.stop();
    await sink?.close();
    await new Promise((resolve) => target?.close(resolve));
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
  });

  const get = (path: string) => fetch(`${host.url}/api/${path}`);
  const connectionOf = (name: string) => emulator.world.connection(plsIdOf(PLS), name);
  const newConnection = (subscriptionId: string, endpoint: string, requestMessage: string) =>
    emulator.world.addConnection({
      plsId: plsIdOf(PLS),
      privateEndpointId: privateEndpointIdOf(subscriptionId, endpoint),
      requestMessage,
    });

  it('loads every function from package.json main, as the worker does', () => {
    expect(pkg.loaded.main).toBe('dist/bundle/main.js');
    expect(pkg.loaded.definitions.map((d) => d.name)).toEqual(
      expect.arrayContaining(['health', 'probeEndpoints', 'reconcileConnections', 'approveConnection']),
    );
  });

  it('probes a live 127.0.0.1 target: UP, with the phase timings of the run', async () => {
    await pkg.runTimer('probeEndpoints');
    const summary = await parseBody(probesSummarySchema, await get('probes/summary'));
    const live = summary.targets.find((t) => t.id === 'live');
    // The bundle's bug: DOWN, class DNS, "n is not a constructor" (undici's named exports undefined).
    expect(live?.lastResult, JSON.stringify(live)).toMatchObject({ status: 'UP', class: null, reason: null });
    expect(live?.state).toBe('UP');
    // Once in CI (Node 24) the series showed no run right after the summary showed it UP; the cause
    // is not known. Read it again for up to 5 s, and say which range it covered if it never shows one.
    let series = await parseBody(probeSeriesSchema, await get('probes/live/series?range=1h'));
    for (let i = 0; i < 20 && !series.points.some((p) => p.runs > 0); i++) {
      await new Promise((r) => setTimeout(r, 250));
      series = await parseBody(probeSeriesSchema, await get('probes/live/series?range=1h'));
    }
    const phases = series.points.find((p) => p.runs > 0)?.phasesMeanMs;
    expect(phases, `no run in the 1h series from ${series.from} to ${series.to}`).toBeDefined();
    expect(phases?.dns).toBeNull(); // an IP literal: no DNS lookup
    expect(phases?.tcp).toBeGreaterThanOrEqual(0);
    expect(phases?.ttfb).toBeGreaterThan(0);
  });

  it("approves a trusted tenant's connection by policy (tenant discovery works in the bundle)", async () => {
    const trusted = newConnection(TRUSTED_SUB, 'pe-trusted', 'CHG0000001 - package test');
    await pkg.runTimer('reconcileConnections');
    // The bundle's bug left it Pending: tenant discovery threw, so no consumer tenant matched.
    expect(connectionOf(trusted.name)?.status).toBe('Approved');
    const decisions = await parseBody(decisionListSchema, await get('decisions?limit=50'));
    expect(decisions.items).toContainEqual(
      expect.objectContaining({
        kind: 'outcome',
        connectionName: trusted.name,
        action: 'approve',
        rule: 'trusted-tenant',
        result: 'succeeded',
      }),
    );
  });

  it("writes a person's approval to ARM through the HTTP function", async () => {
    const waiting = newConnection(OTHER_SUB, 'pe-person', 'CHG0000002 - for a person');
    await pkg.runTimer('reconcileConnections');
    expect(connectionOf(waiting.name)?.status).toBe('Pending');
    const puts = () =>
      emulator.requestLog.entries.filter((e) => e.method === 'PUT' && e.path.includes(waiting.name)).length;
    const before = puts();
    const response = await fetch(`${host.url}/api/connections/${PLS}/${waiting.name}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'CHG0000002 checked' }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(connectionOf(waiting.name)?.status).toBe('Approved');
    expect(puts()).toBe(before + 1);
  });

  it('delivers notifications to a real local webhook', async () => {
    const waiting = newConnection(OTHER_SUB, 'pe-notified', 'CHG0000003 - tell someone');
    await pkg.runTimer('reconcileConnections');
    // Staged by the package's audit store, queued, and sent by its deliverNotification queue function.
    const pendingFor = () =>
      sink.received.find(
        (r) =>
          r.body.type === 'connection.pending' &&
          (r.body.data as { connectionName?: string } | undefined)?.connectionName === waiting.name,
      );
    await waitFor(() => pendingFor() !== undefined, 20_000, 'connection.pending at the webhook');
    expect(pendingFor()?.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
  });
});
