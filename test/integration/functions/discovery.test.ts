import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { reconcileConnections } from '../../../functions/reconcileConnections';
import { ManagedServices } from '../../../shared/approval/use-cases/managed-services';
import { ResourceGraphClient } from '../../../shared/arm/resource-graph';
import { systemClock } from '../../../shared/clock';
import { getContainer, setContainer } from '../../../shared/composition-root';
import { parseConfig } from '../../../shared/config/config';
import { featureReports } from '../../../shared/health/feature-report';
import { silentLog } from '../../../shared/log';
import {
  armTestContainer,
  PROVIDER_SUBSCRIPTION,
  plsIdOf,
  privateEndpointIdOf,
  TEST_TOKEN,
  useArmEmulatorPerTest,
} from '../../helpers/arm-emulator';

const emulators = useArmEmulatorPerTest();
const CONSUMER = 'c9000000-0000-4000-8000-000000000001';
const REJECT_ALL = 'version: 1\ndefault: { action: reject, description: "Not on the list" }\n';

const timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

async function runTimer(): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const context = new InvocationContext({
    invocationId: `timer-${Math.random()}`,
    logHandler: (_level, ...args) => lines.push(args.join(' ')),
  });
  await reconcileConnections.handler(timer, context);
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('services found through Resource Graph (PLS_DISCOVERY_SCOPE)', () => {
  it('a discovered PLS is decided by the normal path: its PLS and connection are read from ARM before the write', async () => {
    const emulator = await emulators.start();
    const listed = plsIdOf('pls-listed');
    const found = plsIdOf('pls-found');
    emulator.world.addPrivateLinkService({ id: listed });
    emulator.world.addPrivateLinkService({ id: found, tags: { gatekeeper: 'managed' } });
    emulator.world.addPrivateLinkService({ id: plsIdOf('pls-not-tagged') });
    const connection = emulator.world.addConnection({
      plsId: found,
      privateEndpointId: privateEndpointIdOf(CONSUMER, 'pe-1'),
      requestMessage: 'hello',
    });
    const untouched = emulator.world.addConnection({
      plsId: plsIdOf('pls-not-tagged'),
      privateEndpointId: privateEndpointIdOf(CONSUMER, 'pe-2'),
      requestMessage: 'hello',
    });
    setContainer(
      armTestContainer(emulator, [listed], {
        APPROVAL_POLICY: REJECT_ALL,
        PLS_DISCOVERY_SCOPE: PROVIDER_SUBSCRIPTION,
        PLS_DISCOVERY_TAG: 'gatekeeper=managed',
      }),
    );

    const lines = await runTimer();

    expect(lines.find((l) => l.event === 'approval.discovery.done')).toMatchObject({
      discovered: 1,
      pages: 1,
    });
    expect(lines.find((l) => l.event === 'approval.reconcile.summary')).toMatchObject({
      privateLinkServices: 2,
    });
    expect(emulator.world.connection(found, connection.name)?.status).toBe('Rejected');
    expect(emulator.world.connection(plsIdOf('pls-not-tagged'), untouched.name)?.status).toBe('Pending');
    // The discovered id is only a name: ARM is read (the PLS, then the connection) before the PUT.
    const forFound = emulator.requestLog.entries
      .filter((e) => e.path.toLowerCase().includes('/privatelinkservices/pls-found'))
      .map((e) => e.kind);
    expect(forFound.indexOf('pls.get')).toBeGreaterThanOrEqual(0);
    expect(forFound.indexOf('connection.get')).toBeGreaterThan(-1);
    expect(forFound.indexOf('connection.get')).toBeLessThan(forFound.indexOf('connection.put'));

    const approval = (await featureReports(getContainer())).approval;
    expect(approval?.detail).toMatchObject({
      staticServices: 1,
      discoveredServices: 1,
      discovery: 'on',
      managedPrivateLinkServices: 2,
    });
    expect(approval?.detail?.lastDiscoveryError).toBeUndefined();
  });

  it('when the Resource Graph quota is spent it keeps the last known list instead of dropping services', async () => {
    const emulator = await emulators.start({ graphQuota: { queries: 15, windowMs: 60_000 } });
    const found = plsIdOf('pls-found');
    emulator.world.addPrivateLinkService({ id: found });
    setContainer(
      armTestContainer(emulator, [], {
        APPROVAL_POLICY: REJECT_ALL,
        PLS_DISCOVERY_SCOPE: PROVIDER_SUBSCRIPTION,
      }),
    );
    await runTimer();
    // The quota is spent for the next minute (past the client's 30 s wait budget), and a connection arrives.
    emulator.graphQuota.exhaust(TEST_TOKEN);
    const connection = emulator.world.addConnection({
      plsId: found,
      privateEndpointId: privateEndpointIdOf(CONSUMER, 'pe-late'),
      requestMessage: 'hello',
    });

    const lines = await runTimer();

    expect(lines.find((l) => l.event === 'approval.discovery.failed')).toMatchObject({
      code: 'arm_throttled',
      kept: 1,
    });
    expect(lines.find((l) => l.event === 'approval.reconcile.summary')).toMatchObject({
      privateLinkServices: 1,
    });
    expect(emulator.world.connection(found, connection.name)?.status).toBe('Rejected');
    const approval = (await featureReports(getContainer())).approval;
    expect(approval?.detail).toMatchObject({ discoveredServices: 1, lastDiscoveryError: 'arm_throttled' });
  });

  it('a bad discovery setting switches off discovery only: the listed services keep being decided', async () => {
    const emulator = await emulators.start();
    const listed = plsIdOf('pls-listed');
    emulator.world.addPrivateLinkService({ id: listed });
    const connection = emulator.world.addConnection({
      plsId: listed,
      privateEndpointId: privateEndpointIdOf(CONSUMER, 'pe-1'),
      requestMessage: 'hello',
    });
    const env = { APPROVAL_POLICY: REJECT_ALL, PLS_DISCOVERY_SCOPE: 'all-of-them' };
    setContainer(armTestContainer(emulator, [listed], env));

    const lines = await runTimer();

    expect(lines.find((l) => l.event === 'approval.discovery.off')?.reason).toContain('PLS_DISCOVERY_SCOPE');
    expect(emulator.world.connection(listed, connection.name)?.status).toBe('Rejected');
    expect(emulator.requestLog.entries.filter((e) => e.kind === 'graph.query')).toEqual([]);
    const approval = (await featureReports(getContainer())).approval;
    expect(approval?.state).toBe('on');
    expect(approval?.detail).toMatchObject({ discovery: 'invalid', staticServices: 1 });
    expect(approval?.problem?.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'PLS_DISCOVERY_SCOPE' })]),
    );
  });

  it('event and queue paths on a cold instance wait for its one first discovery, so a discovered PLS is managed', async () => {
    const emulator = await emulators.start();
    const found = plsIdOf('pls-found');
    emulator.world.addPrivateLinkService({ id: found });
    const graph = new ResourceGraphClient({
      endpoint: new URL(emulator.url),
      scope: 'https://management.azure.com/.default',
      credential: { getToken: async () => ({ token: TEST_TOKEN, expiresOnTimestamp: Date.now() + 60_000 }) },
    });
    const services = new ManagedServices(
      [],
      {
        state: 'on',
        scope: { kind: 'subscriptions', subscriptionIds: [PROVIDER_SUBSCRIPTION] },
        tag: undefined,
        finder: async () => graph,
      },
      systemClock,
    );
    const [a, b] = await Promise.all([services.managed(silentLog), services.managed(silentLog)]);
    expect(a).toEqual([found]);
    expect(b).toEqual([found]);
    await services.managed(silentLog);
    expect(emulator.requestLog.entries.filter((e) => e.kind === 'graph.query')).toHaveLength(1);
  });

  it('a timer run that fails as a whole (the policy) counts the discovered services it could not reconcile', async () => {
    const emulator = await emulators.start();
    emulator.world.addPrivateLinkService({ id: plsIdOf('pls-found') });
    setContainer(
      armTestContainer(emulator, [], {
        APPROVAL_POLICY: 'version: 1\nrules: not-a-list\n',
        PLS_DISCOVERY_SCOPE: PROVIDER_SUBSCRIPTION,
      }),
    );

    await expect(runTimer()).rejects.toThrow();

    const latest = await (await getContainer().approvalServices()).runOutcomes.latest();
    expect(latest.timer.last).toMatchObject({ result: 'policy_invalid', privateLinkServices: 1, failed: 1 });
  });

  it('settings: each bad value names its setting; a tag without a scope is refused', () => {
    const base = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };
    const bad = parseConfig({
      ...base,
      PLS_DISCOVERY_SCOPE: 'managementGroup:',
      PLS_DISCOVERY_TAG: "env='x'",
    });
    expect(bad.settingIssues.discovery.map((i) => i.path)).toEqual([
      'PLS_DISCOVERY_SCOPE',
      'PLS_DISCOVERY_TAG',
    ]);
    expect(() => bad.discovery).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    expect(bad.approval.plsResourceIds).toEqual([]);
    expect(parseConfig({ ...base, PLS_DISCOVERY_TAG: 'env=prod' }).settingIssues.discovery).toEqual([
      expect.objectContaining({ path: 'PLS_DISCOVERY_SCOPE' }),
    ]);
    expect(
      parseConfig({
        ...base,
        PLS_DISCOVERY_SCOPE: `${PROVIDER_SUBSCRIPTION},\n${PROVIDER_SUBSCRIPTION.toUpperCase()}`,
        PLS_DISCOVERY_TAG: 'env=prod',
      }).discovery,
    ).toEqual({
      scope: { kind: 'subscriptions', subscriptionIds: [PROVIDER_SUBSCRIPTION] },
      tag: { name: 'env', value: 'prod' },
    });
    expect(parseConfig({ ...base, PLS_DISCOVERY_SCOPE: 'managementGroup:mg-1' }).discovery?.scope).toEqual({
      kind: 'managementGroup',
      managementGroupId: 'mg-1',
    });
  });
});
