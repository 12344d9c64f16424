import { describe, expect, it } from 'vitest';
import type { ReconcileDeps } from '../../../../shared/approval/use-cases/approval-services';
import { recordExposure } from '../../../../shared/approval/use-cases/audit-exposure';
import { reconcilePrivateLinkService } from '../../../../shared/approval/use-cases/reconcile-pls';
import type { Container } from '../../../../shared/composition-root';
import {
  armTestContainer,
  guidOf,
  plsIdOf,
  privateEndpointIdOf,
  useArmEmulatorPerTest,
} from '../../../helpers/arm-emulator';
import { waitFor } from '../notify/notify-harness';
import { collectLog } from './approval-world';

/*
 * EXPOSURE_MODE=enforce against the ARM emulator: a plan is written only after dry-run recorded it,
 * through the guarded path (claim, audited intent, re-read, PUT with If-Match, audited outcome);
 * nobody connected is cut off, and a PLS changed meanwhile (412) is left for the next run.
 */
const emulators = useArmEmulatorPerTest();
const CUSTOMER = guidOf(1, 'ec');
const OTHER = guidOf(2, 'ec');
const POLICY = `
version: 1
default: { action: reject }
rules:
  - name: customers
    action: approve
    match: { consumerSubscriptions: ["${CUSTOMER}"] }
`;

type Mode = 'dry-run' | 'enforce';

async function run(container: Container, plsId: string, mode: Mode) {
  const { entries, log } = collectLog();
  const services = { ...(await container.approvalServices()), exposureMode: mode };
  await reconcilePrivateLinkService(services, await container.approvalPolicy(), plsId, {
    trigger: 'timer',
    correlationId: `exposure-${mode}`,
    log,
  });
  return entries.filter((e) => e.event === 'approval.exposure_enforce').map((e) => e.result);
}

async function planRows(container: Container, plsId: string) {
  const rows = await (await container.approvalServices()).exposure.listPlans(plsId);
  return rows.map((r) => ({ mode: r.mode, phase: r.phase, result: r.result, detail: r.detail })).reverse();
}

function world(emulator: Awaited<ReturnType<typeof emulators.start>>, name: string) {
  const plsId = plsIdOf(name);
  const pls = emulator.world.addPrivateLinkService({ id: plsId, visibility: ['*'] });
  const container = armTestContainer(emulator, [plsId], { APPROVAL_POLICY: POLICY });
  return { plsId, pls, container };
}

describe('EXPOSURE_MODE=enforce', () => {
  it('writes nothing without a dry-run plan recorded before', async () => {
    const emulator = await emulators.start();
    const { plsId, pls, container } = world(emulator, 'pls-enforce-first');
    expect(await run(container, plsId, 'enforce')).toEqual(['no-dry-run']);
    expect(emulator.requestLog.count('pls.put')).toBe(0);
    expect(pls.visibility).toEqual(['*']);
    expect(pls.accessMode).toBe('Default');
    expect(await planRows(container, plsId)).toEqual([]);
  });

  it('writes the planned visibility and accessMode once dry-run recorded them, audited as intent and outcome', async () => {
    const emulator = await emulators.start();
    const { plsId, pls, container } = world(emulator, 'pls-enforce-write');
    expect(await run(container, plsId, 'dry-run')).toEqual([]);
    expect(emulator.requestLog.count('pls.put')).toBe(0);
    expect(await run(container, plsId, 'enforce')).toEqual(['written']);
    expect(emulator.requestLog.count('pls.put')).toBe(1);
    expect(pls.visibility).toEqual([CUSTOMER]);
    expect(pls.accessMode).toBe('Restricted');
    expect(await planRows(container, plsId)).toEqual([
      { mode: 'dry-run', phase: '', result: '', detail: '' },
      { mode: 'enforce', phase: 'intent', result: '', detail: '' },
      { mode: 'enforce', phase: 'outcome', result: 'succeeded', detail: '' },
    ]);
    // Settled: the next run has nothing to write.
    expect(await run(container, plsId, 'enforce')).toEqual([]);
    expect(emulator.requestLog.count('pls.put')).toBe(1);
  });

  it('never removes a subscription with an Approved connection, even when the plan left it out', async () => {
    const emulator = await emulators.start();
    const { plsId, pls, container } = world(emulator, 'pls-enforce-keep');
    // Approved after the run listed the connections: the plan (dry-run and enforce alike) did not see it.
    emulator.world.addConnection({
      plsId,
      privateEndpointId: privateEndpointIdOf(OTHER, 'pe-approved-meanwhile'),
      status: 'Approved',
    });
    const services: ReconcileDeps & { exposureMode: Mode } = {
      ...(await container.approvalServices()),
      exposureMode: 'dry-run',
    };
    const policy = await container.approvalPolicy();
    const stale = { correlationId: 'stale', approvedSubscriptions: [] };
    const { entries, log } = collectLog();
    const read = await services.arm.getPrivateLinkService(plsId);
    await recordExposure(services, policy, read, { ...stale, log });
    await recordExposure({ ...services, exposureMode: 'enforce' }, policy, read, { ...stale, log });
    expect(entries.filter((e) => e.event === 'approval.exposure_enforce').map((e) => e.result)).toEqual([
      'refused',
    ]);
    expect(emulator.requestLog.count('pls.put')).toBe(0);
    expect(pls.visibility).toEqual(['*']);
    expect((await planRows(container, plsId)).at(-1)).toMatchObject({
      mode: 'enforce',
      result: 'refused',
      detail: expect.stringContaining(OTHER),
    });
  });

  it('sends the etag of its re-read as If-Match: a PLS changed before the PUT lands is refused (412) and written by the next run', async () => {
    const emulator = await emulators.start();
    const { plsId, pls, container } = world(emulator, 'pls-enforce-412');
    await run(container, plsId, 'dry-run');
    // The PUT waits; meanwhile someone else changes the PLS (a new etag, as any write gives it).
    emulator.faults.script({ kind: 'pls.put' }, [{ type: 'delay', ms: 600 }]);
    const gets = emulator.requestLog.count('pls.get');
    const enforcing = run(container, plsId, 'enforce');
    // The run's read, enforce's re-read and the gateway's read of the body it PUTs.
    await waitFor(() => emulator.requestLog.count('pls.get') >= gets + 3, 10_000, 'the reads before the PUT');
    pls.etag = 'W/"changed-elsewhere"';
    expect(await enforcing).toEqual(['failed']);
    expect(pls.visibility).toEqual(['*']);
    expect(pls.accessMode).toBe('Default');
    expect((await planRows(container, plsId)).at(-1)).toMatchObject({
      mode: 'enforce',
      phase: 'outcome',
      result: 'failed',
      detail: 'arm_conflict',
    });

    expect(await run(container, plsId, 'enforce')).toEqual(['written']);
    expect(pls.visibility).toEqual([CUSTOMER]);
    expect(pls.accessMode).toBe('Restricted');
  });
});
