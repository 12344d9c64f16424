import { describe, expect, it } from 'vitest';
import { reconcilePrivateLinkService } from '../../../../shared/approval/use-cases/reconcile-pls';
import type { Container } from '../../../../shared/composition-root';
import { checkHealth } from '../../../../shared/health/health-check';
import { healthChecks } from '../../../../shared/health/health-checks';
import {
  armTestContainer,
  guidOf,
  plsIdOf,
  privateEndpointIdOf,
  useArmEmulatorPerTest,
} from '../../../helpers/arm-emulator';
import { collectLog } from './approval-world';

/*
 * The exposure audit in the reconciliation run: the PLS is read once per run, its settings compared
 * with the policy, each contradiction announced once (a warning with its fix) and shown in health
 * (the approval problem the dashboard banner shows) until the setting is fixed.
 */
const emulators = useArmEmulatorPerTest();
const CUSTOMER = guidOf(1, 'ea');
const POLICY = `
version: 1
default: { action: reject }
rules:
  - name: customers
    action: approve
    match: { consumerSubscriptions: ["${CUSTOMER}"] }
`;

async function run(container: Container, plsId: string) {
  const entries = await runLogged(container, plsId);
  return entries.filter((e) => e.event === 'approval.exposure_contradiction').map((e) => e.key);
}

async function runLogged(container: Container, plsId: string) {
  const { entries, log } = collectLog();
  const services = await container.approvalServices();
  const policy = await container.approvalPolicy();
  await reconcilePrivateLinkService(services, policy, plsId, {
    trigger: 'timer',
    correlationId: 'exposure',
    log,
  });
  return entries;
}

async function approvalHealth(container: Container) {
  const report = await checkHealth(container, 'test', healthChecks(container));
  return { status: report.status, approval: report.features.approval };
}

describe('the exposure audit in each reconciliation run', () => {
  it('announces each contradiction once, shows it in health with its fix until fixed, and again if it comes back', async () => {
    const emulator = await emulators.start();
    const plsId = plsIdOf('pls-exposed');
    const pls = emulator.world.addPrivateLinkService({ id: plsId, visibility: ['*'] });
    emulator.world.addConnection({
      plsId,
      privateEndpointId: privateEndpointIdOf(CUSTOMER, 'pe-1'),
      requestMessage: 'hi',
    });
    const container = armTestContainer(emulator, [plsId], { APPROVAL_POLICY: POLICY });

    const reads = emulator.requestLog.count('pls.get');
    expect(await run(container, plsId)).toEqual(['visibility', 'accessMode']);
    expect(emulator.requestLog.count('pls.get')).toBe(reads + 1);
    expect(await run(container, plsId)).toEqual([]);

    const { status, approval } = await approvalHealth(container);
    expect(status).toBe('degraded');
    expect(approval?.detail).toMatchObject({ exposureContradictions: 2 });
    expect(approval?.problem?.issues.map((i) => i.path)).toEqual([
      'pls-exposed.visibility',
      'pls-exposed.accessMode',
    ]);
    expect(approval?.problem?.issues[0]?.message).toContain(
      `properties.visibility.subscriptions: ['${CUSTOMER}']`,
    );
    expect(approval?.problem?.issues[1]?.message).toContain('properties.accessMode=Restricted');

    pls.visibility = [CUSTOMER];
    pls.accessMode = 'Restricted';
    expect(await run(container, plsId)).toEqual([]);
    const fixed = await approvalHealth(container);
    expect(fixed.approval?.problem).toBeUndefined();
    expect(fixed.approval?.detail).toMatchObject({ exposureContradictions: 0 });

    pls.accessMode = 'Default';
    expect(await run(container, plsId)).toEqual(['accessMode']);
  });

  it('keeps the last audit when the PLS cannot be read, and the run still decides', async () => {
    const emulator = await emulators.start();
    const plsId = plsIdOf('pls-unreadable');
    emulator.world.addPrivateLinkService({ id: plsId, visibility: ['*'] });
    const connection = emulator.world.addConnection({
      plsId,
      privateEndpointId: privateEndpointIdOf(CUSTOMER, 'pe-2'),
      requestMessage: 'hi',
    });
    const container = armTestContainer(emulator, [plsId], { APPROVAL_POLICY: POLICY });
    await run(container, plsId);
    emulator.faults.script({ kind: 'pls.get' }, [
      { type: 'status', status: 403, code: 'AuthorizationFailed' },
    ]);
    expect(await run(container, plsId)).toEqual([]);
    expect(connection.status).toBe('Approved');
    const { approval } = await approvalHealth(container);
    expect(approval?.problem?.issueCount).toBe(2);
  });

  it('EXPOSURE_MODE=dry-run records the settings the policy implies once per plan, keeping approved consumers, and writes nothing', async () => {
    const emulator = await emulators.start();
    const plsId = plsIdOf('pls-plan');
    const pls = emulator.world.addPrivateLinkService({ id: plsId, visibility: ['*'] });
    const other = guidOf(2, 'ea');
    emulator.world.addConnection({
      plsId,
      privateEndpointId: privateEndpointIdOf(other, 'pe-old'),
      status: 'Approved',
      requestMessage: 'approved long ago',
    });
    const container = armTestContainer(emulator, [plsId], {
      APPROVAL_POLICY: POLICY,
      EXPOSURE_MODE: 'dry-run',
    });

    const first = (await runLogged(container, plsId)).filter((e) => e.event === 'approval.exposure_plan');
    expect(first).toEqual([
      expect.objectContaining({
        mode: 'dry-run',
        visibilityFrom: ['*'],
        visibilityTo: [CUSTOMER, other].sort(),
        accessModeFrom: 'Default',
        accessModeTo: 'Restricted',
        kept: [other],
      }),
    ]);
    expect((await runLogged(container, plsId)).filter((e) => e.event === 'approval.exposure_plan')).toEqual(
      [],
    );

    const rows: Record<string, unknown>[] = [];
    for await (const row of (await container.table('ExposurePlans')).listEntities<Record<string, unknown>>())
      rows.push(row);
    expect(rows).toEqual([
      expect.objectContaining({
        plsId,
        mode: 'dry-run',
        accessModeTo: 'Restricted',
        correlationId: 'exposure',
      }),
    ]);
    expect(pls.visibility).toEqual(['*']);
    expect(pls.accessMode).toBe('Default');
    expect(emulator.requestLog.entries.filter((e) => e.method !== 'GET')).toEqual([]);
  });

  it('EXPOSURE_MODE=report (the default) records no plan', async () => {
    const emulator = await emulators.start();
    const plsId = plsIdOf('pls-report');
    emulator.world.addPrivateLinkService({ id: plsId, visibility: ['*'] });
    const container = armTestContainer(emulator, [plsId], { APPROVAL_POLICY: POLICY });
    const entries = await runLogged(container, plsId);
    expect(entries.filter((e) => e.event === 'approval.exposure_plan')).toEqual([]);
    expect(entries.filter((e) => e.event === 'approval.exposure_contradiction')).toHaveLength(2);
  });
});
