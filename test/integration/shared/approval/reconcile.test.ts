import { describe, expect, it } from 'vitest';
import { reconcileAll } from '../../../../shared/approval/use-cases/reconcile-all';
import { armTestContainer, useArmEmulatorPerTest } from '../../../helpers/arm-emulator';
import {
  collectLog,
  connectionPath,
  seedWorld,
  servicesAndPolicy,
  successfulPuts,
  TEST_POLICY,
} from './approval-world';

const emulators = useArmEmulatorPerTest();

describe('reconciliation against the ARM emulator and Azurite', () => {
  it('decides 1,000 Pending connections on 10 PLS per the policy, with exactly one PUT each', async () => {
    const emulator = await emulators.start();
    const { plsIds, connections } = seedWorld(emulator, { plsCount: 10, perPls: 100 });
    const container = armTestContainer(emulator, plsIds, { APPROVAL_POLICY: TEST_POLICY });
    const { services, policy } = await servicesAndPolicy(container);
    const { log } = collectLog();

    const summary = await reconcileAll(services, policy, plsIds, 4, {
      trigger: 'timer',
      correlationId: 'run-1',
      log,
    });

    const puts = successfulPuts(emulator);
    for (const c of connections) {
      const now = emulator.world.connection(c.plsId, c.name)?.status;
      expect(now, `${c.name} (${c.subscription}, "${c.message}")`).toBe(c.expected);
      expect(puts.get(connectionPath(c.plsId, c.name)) ?? 0).toBe(c.expected === 'Pending' ? 0 : 1);
    }
    const decided = connections.filter((c) => c.expected !== 'Pending').length;
    expect(summary.outcomes.applied).toBe(decided);
    expect(summary.outcomes.manual).toBe(connections.length - decided);
    expect(summary.failedPrivateLinkServices).toEqual([]);
    // The one re-read before each PUT is the only per-connection GET.
    expect(emulator.requestLog.count('connection.get')).toBe(decided);
    expect(emulator.requestLog.count('connection.list')).toBe(plsIds.length);

    // A second run finds nothing to do: no ARM writes, no re-reads, no new audit rows.
    const auditTable = await container.table('AuditByTime');
    const countRows = async () => {
      let n = 0;
      for await (const _ of auditTable.listEntities()) n++;
      return n;
    };
    const rowsAfterFirst = await countRows();
    expect(rowsAfterFirst).toBe(decided * 2 + (connections.length - decided));
    emulator.requestLog.clear();
    const again = await reconcileAll(services, policy, plsIds, 4, {
      trigger: 'timer',
      correlationId: 'run-2',
      log,
    });
    expect(again.outcomes.applied).toBe(0);
    expect(emulator.requestLog.count('connection.put')).toBe(0);
    expect(emulator.requestLog.count('connection.get')).toBe(0);
    expect(await countRows()).toBe(rowsAfterFirst);
  }, 60_000);
});
