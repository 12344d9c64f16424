import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import type { ArmEmulator } from '../../../../emulators/arm';
import { onConnectionEvent } from '../../../../functions/onConnectionEvent';
import { reconcileQueuedPls } from '../../../../functions/reconcileQueuedPls';
import { reconcileAll } from '../../../../shared/approval/use-cases/reconcile-all';
import { reconcilePrivateLinkService } from '../../../../shared/approval/use-cases/reconcile-pls';
import { setContainer } from '../../../../shared/composition-root';
import { armTestContainer, useArmEmulatorPerTest } from '../../../helpers/arm-emulator';
import { uniqueTablePrefix } from '../../../helpers/storage';
import {
  collectLog,
  connectionPath,
  drainReconcileQueue,
  type SeededConnection,
  seedWorld,
  servicesAndPolicy,
  successfulPuts,
  TEST_POLICY,
  uniqueQueueName,
} from './approval-world';

const emulators = useArmEmulatorPerTest();

/** Every connection ends in the policy's answer with exactly one successful PUT if decided, none otherwise. */
function expectDecidedOnce(arm: ArmEmulator, connections: readonly SeededConnection[]): void {
  const puts = successfulPuts(arm);
  const wrong: string[] = [];
  for (const c of connections) {
    const status = arm.world.connection(c.plsId, c.name)?.status;
    const count = puts.get(connectionPath(c.plsId, c.name)) ?? 0;
    if (status !== c.expected || count !== (c.expected === 'Pending' ? 0 : 1)) {
      wrong.push(`${c.name}: ${status} after ${count} PUT(s), expected ${c.expected}`);
    }
  }
  expect(wrong).toEqual([]);
}

describe('one ARM write per decided connection, whatever happens around it', () => {
  it('under 20% injected 429/500/503 on every ARM route: nothing lost, nothing decided twice, nothing wrongly approved', async () => {
    const emulator = await emulators.start({ faultSeed: 7 });
    const { plsIds, connections } = seedWorld(emulator, { plsCount: 10, perPls: 100 });
    emulator.faults.rate(
      { kind: ['connection.list', 'connection.get', 'connection.put', 'subscription.get'] },
      0.2,
      [
        { type: 'status', status: 429, retryAfterSeconds: 0 },
        { type: 'status', status: 500 },
        { type: 'status', status: 503 },
      ],
    );
    const container = armTestContainer(emulator, plsIds, { APPROVAL_POLICY: TEST_POLICY });
    const { services, policy } = await servicesAndPolicy(container);
    const { log } = collectLog();
    // Retries inside the gateway absorb most faults; what is left over is picked up by the next run.
    let runs = 0;
    for (; runs < 6; runs++) {
      const summary = await reconcileAll(services, policy, plsIds, 4, {
        trigger: 'timer',
        correlationId: `run-${runs}`,
        log,
      });
      if (
        summary.failedPrivateLinkServices.length === 0 &&
        summary.outcomes.failed === 0 &&
        summary.outcomes.applied === 0 &&
        runs > 0
      )
        break;
    }
    expect(emulator.faults.injected).toBeGreaterThan(100);
    expectDecidedOnce(emulator, connections);
  }, 60_000);

  it('a storm of 50 duplicate events for one PLS gives one PUT per connection', async () => {
    const emulator = await emulators.start();
    const { plsIds, connections } = seedWorld(emulator, { plsCount: 1, perPls: 200 });
    const plsId = plsIds[0] ?? '';
    const container = armTestContainer(emulator, plsIds, {
      APPROVAL_POLICY: TEST_POLICY,
      RECONCILE_QUEUE_NAME: uniqueQueueName(),
    });
    setContainer(container);
    const event = {
      id: 'storm',
      topic: '/subscriptions/11111111-1111-1111-1111-111111111111',
      subject: `${plsId}/privateEndpointConnections/${connections[0]?.name}`,
      eventType: 'Microsoft.Resources.ResourceWriteSuccess',
      eventTime: new Date().toISOString(),
      dataVersion: '2',
      metadataVersion: '1',
      data: {
        operationName: 'Microsoft.Network/privateLinkServices/privateEndpointConnections/write',
        resourceUri: `${plsId}/privateEndpointConnections/${connections[0]?.name}`,
        status: 'Succeeded',
      },
    };
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        onConnectionEvent.handler(
          { ...event, id: `storm-${i}` },
          new InvocationContext({ invocationId: `storm-${i}`, logHandler: () => {} }),
        ),
      ),
    );
    // Duplicates stop at the PLS's queue marker; two queue workers draining at once still write once each.
    const worker = () =>
      drainReconcileQueue(container, (text) =>
        reconcileQueuedPls.handler(text, new InvocationContext({ invocationId: 'q', logHandler: () => {} })),
      );
    await Promise.all([worker(), worker()]);
    expectDecidedOnce(emulator, connections);
    expect(emulator.requestLog.count('connection.list')).toBeLessThan(3);
  }, 60_000);

  it('two instances (two containers on the same tables) reconciling at once give one PUT per connection', async () => {
    const emulator = await emulators.start();
    const { plsIds, connections } = seedWorld(emulator, { plsCount: 4, perPls: 150 });
    const prefix = uniqueTablePrefix();
    const env = { APPROVAL_POLICY: TEST_POLICY, TABLE_NAME_PREFIX: prefix };
    const a = await servicesAndPolicy(armTestContainer(emulator, plsIds, env));
    const b = await servicesAndPolicy(armTestContainer(emulator, plsIds, env));
    const { log } = collectLog();
    const [ra, rb] = await Promise.all([
      reconcileAll(a.services, a.policy, plsIds, 4, { trigger: 'timer', correlationId: 'a', log }),
      reconcileAll(b.services, b.policy, [...plsIds].reverse(), 4, {
        trigger: 'timer',
        correlationId: 'b',
        log,
      }),
    ]);
    expectDecidedOnce(emulator, connections);
    const decided = connections.filter((c) => c.expected !== 'Pending').length;
    expect(ra.outcomes.applied + rb.outcomes.applied).toBe(decided);
  }, 60_000);

  it('five overlapping runs of one PLS in one instance, without coalescing, still write each connection once', async () => {
    const emulator = await emulators.start();
    const { plsIds, connections } = seedWorld(emulator, { plsCount: 1, perPls: 300 });
    const { services, policy } = await servicesAndPolicy(
      armTestContainer(emulator, plsIds, { APPROVAL_POLICY: TEST_POLICY }),
    );
    const { log } = collectLog();
    const runs = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        reconcilePrivateLinkService(services, policy, plsIds[0] ?? '', {
          trigger: 'event',
          correlationId: `r${i}`,
          log,
        }),
      ),
    );
    expectDecidedOnce(emulator, connections);
    const decided = connections.filter((c) => c.expected !== 'Pending').length;
    expect(runs.reduce((sum, r) => sum + r.outcomes.applied, 0)).toBe(decided);
    // The losers stopped at the claim: no extra re-reads beyond one per PUT (plus stale ones, if any).
    expect(
      runs.reduce((sum, r) => sum + r.outcomes.claimed + r.outcomes.stale + r.outcomes.noOp, 0),
    ).toBeGreaterThan(0);
  }, 60_000);
});
