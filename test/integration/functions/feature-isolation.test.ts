import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpRequest, type HttpResponseInit, InvocationContext } from '@azure/functions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ArmEmulator } from '../../../emulators/arm';
import { health } from '../../../functions/health';
import { onConnectionEvent } from '../../../functions/onConnectionEvent';
import { probeEndpoints } from '../../../functions/probeEndpoints';
import { reconcileConnections } from '../../../functions/reconcileConnections';
import { sweepNotifications } from '../../../functions/sweepNotifications';
import { getContainer, setContainer } from '../../../shared/composition-root';
import { handleSweepTimer } from '../../../shared/notify/use-cases/notification-runs';
import { summariseProbes } from '../../../shared/probe/use-cases/probe-summary';
import {
  armTestContainer,
  plsIdOf,
  privateEndpointIdOf,
  startTestArmEmulator,
} from '../../helpers/arm-emulator';
import { principalHeader } from '../../helpers/principals';
import { type ProbeTestServer, startProbeServer } from '../../helpers/probe-servers';
import { testContainer } from '../../helpers/storage';
import { uniqueQueueName } from '../shared/approval/approval-world';

/*
 * Issue 20, item 6: an invalid optional setting disables only what uses it. With each kind of bad
 * optional setting, the policy still decides (timer and Event Grid webhook), the probe still runs,
 * and health (which the dashboard banner shows) names the bad setting under its own feature.
 */

const PLS_WEB = plsIdOf('pls-web');
const CONSUMER = 'c9000000-0000-4000-8000-000000000001';
const REJECT_ALL =
  'version: 1\ndefault: { action: manual }\nrules: [{ name: no, action: reject, description: "Not accepted here" }]';
const WEBHOOKS = '[{"name":"ops","kind":"generic","url":"http://127.0.0.1:9/hook"}]';
const timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

let emulator: ArmEmulator | undefined;
let web: ProbeTestServer;
beforeAll(async () => {
  web = await startProbeServer();
});
afterAll(() => web.close());
afterEach(async () => {
  setContainer(undefined);
  await emulator?.stop();
  emulator = undefined;
});

function invocation(functionName: string): { context: InvocationContext; lines: string[] } {
  const lines: string[] = [];
  const context = new InvocationContext({
    functionName,
    invocationId: `${functionName}-1`,
    logHandler: (_level, ...args) => lines.push(args.join(' ')),
  });
  return { context, lines };
}

interface HealthBody {
  readonly status: string;
  readonly features: Record<
    string,
    { readonly state: string; readonly problem?: { readonly issues: readonly { readonly path: string }[] } }
  >;
}

/** Each kind of bad optional setting, the health feature that must name it, and the path it names. */
const CASES: readonly {
  readonly name: string;
  readonly env: Record<string, string>;
  readonly feature: string;
  readonly path: string;
}[] = [
  {
    name: 'DASHBOARD_URL over plain http to a remote host (messages lose their button only)',
    env: { NOTIFY_WEBHOOKS: WEBHOOKS, DASHBOARD_URL: 'http://dashboard.example.com/api/dashboard' },
    feature: 'notify',
    path: 'DASHBOARD_URL',
  },
  {
    name: 'a malformed notification setting',
    env: { NOTIFY_WEBHOOKS: WEBHOOKS, NOTIFY_MAX_ATTEMPTS: 'lots' },
    feature: 'notify',
    path: 'NOTIFY_MAX_ATTEMPTS',
  },
  {
    name: 'a webhook list with a plain http remote URL',
    env: { NOTIFY_WEBHOOKS: '[{"name":"x","kind":"teams","url":"http://example.com/hook"}]' },
    feature: 'notify',
    path: 'NOTIFY_WEBHOOKS[0].url',
  },
  {
    name: 'a webhook list file that does not exist',
    env: { NOTIFY_WEBHOOKS: 'no-such-webhooks.json' },
    feature: 'notify',
    path: 'NOTIFY_WEBHOOKS',
  },
  {
    name: 'a bad availability run location',
    env: {
      APPLICATIONINSIGHTS_CONNECTION_STRING:
        'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9/',
      PROBE_RUN_LOCATION: 'west/europe',
    },
    feature: 'telemetry',
    path: 'PROBE_RUN_LOCATION',
  },
  {
    name: 'an entitlement URL without its signing key (the check is off; nothing is sent unsigned)',
    env: { ENTITLEMENT_URL: 'https://billing.example.com/entitlement' },
    feature: 'entitlement',
    path: 'ENTITLEMENT_SIGNING_KEY',
  },
  {
    name: 'a malformed API tenant list (the API is off, fail closed)',
    env: { AUTH_ALLOWED_TENANT_IDS: 'contoso' },
    feature: 'api',
    path: 'AUTH_ALLOWED_TENANT_IDS',
  },
];

describe('a bad optional setting disables only what uses it', () => {
  it.each(CASES)(
    '$name: approval decides, probes run, health names $path',
    async ({ env, feature, path }) => {
      emulator = await startTestArmEmulator();
      emulator.world.addPrivateLinkService({ id: PLS_WEB });
      const byTimer = emulator.world.addConnection({
        plsId: PLS_WEB,
        privateEndpointId: privateEndpointIdOf(CONSUMER, 'pe-timer'),
        requestMessage: 'hello',
      });
      setContainer(
        armTestContainer(emulator, [PLS_WEB], {
          APPROVAL_POLICY: REJECT_ALL,
          RECONCILE_QUEUE_NAME: uniqueQueueName(),
          PROBE_TARGETS: JSON.stringify([{ id: 'web', url: web.url('/') }]),
          ...env,
        }),
      );

      // Approval: the timer decides by policy (the bad setting once made this `config_invalid`).
      await reconcileConnections.handler(timer, invocation('reconcileConnections').context);
      expect(emulator.world.connection(PLS_WEB, byTimer.name)?.status).toBe('Rejected');

      // The Event Grid webhook still queues (it answered 500 on every delivery).
      const event = JSON.parse(
        readFileSync(
          join(__dirname, '../../fixtures/events/resource-write-success.pls.eventgrid.json'),
          'utf8',
        ),
      ) as Record<string, unknown>;
      const webhook = invocation('onConnectionEvent');
      await onConnectionEvent.handler(event, webhook.context);
      expect(webhook.lines.join('\n')).toContain('approval.event.queued');

      // Probes: the run probes the live target.
      await probeEndpoints.handler(timer, invocation('probeEndpoints').context);
      const summary = await summariseProbes(getContainer());
      expect(summary.targets.map((t) => [t.id, t.state])).toEqual([['web', 'UP']]);

      // Health (and so the dashboard banner) names the bad setting under its own feature only.
      const response = await health.handler(
        new HttpRequest({
          method: 'GET',
          url: 'http://127.0.0.1/api/health',
          headers: { 'x-ms-client-principal': principalHeader('reader') },
        }),
        invocation('health').context,
      );
      const body = (response as HttpResponseInit).jsonBody as HealthBody;
      if (feature === 'api') {
        // The API is off: health cannot vouch for the caller, so it shows the public view only.
        expect(response.status).toBe(200);
        expect(body.features).toBeUndefined();
        const detail = await (await import('../../../shared/health/feature-report')).featureReports(
          getContainer(),
        );
        expect(detail.api.problem?.issues.map((i) => i.path)).toEqual([path]);
        expect(detail.approval.state).toBe('on');
        return;
      }
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(body.status).toBe('degraded');
      expect(body.features[feature]?.problem?.issues.map((i) => i.path)).toEqual([path]);
      const others = Object.entries(body.features).filter(([name]) => name !== feature);
      for (const [name, report] of others) expect(report.problem, name).toBeUndefined();
      expect(body.features.approval?.state).toBe('on');
      expect(body.features.probe?.state).toBe('on');
    },
  );
});

describe('notifications do not depend on the approval settings either', () => {
  it('the sweeper runs (with no PLS to remind about) while approval is off for a bad setting', async () => {
    setContainer(testContainer({ NOTIFY_WEBHOOKS: WEBHOOKS, APPROVAL_MODE: 'dryrun' }));
    expect(() => getContainer().config.approval).toThrow(/APPROVAL_MODE/);
    const summary = await sweepNotifications.handler(timer, invocation('sweepNotifications').context);
    expect(summary).toBeUndefined();
    const direct = await handleSweepTimer(invocation('sweepNotifications').context, getContainer());
    expect(direct).toMatchObject({ reminders: 0, failedLocations: 0 });
  });
});
