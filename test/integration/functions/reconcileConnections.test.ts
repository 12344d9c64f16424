import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { reconcileConnections } from '../../../functions/reconcileConnections';
import { setContainer } from '../../../shared/composition-root';
import {
  armTestContainer,
  plsIdOf,
  privateEndpointIdOf,
  useArmEmulatorPerTest,
} from '../../helpers/arm-emulator';

const emulators = useArmEmulatorPerTest();

const timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

function invocation(): { context: InvocationContext; lines: string[] } {
  const lines: string[] = [];
  const context = new InvocationContext({
    invocationId: 'timer-1',
    logHandler: (_level, ...args) => lines.push(args.join(' ')),
  });
  return { context, lines };
}

describe('reconcileConnections (timer)', () => {
  it('runs every configured PLS, logs one summary line, and one failing PLS does not stop the others', async () => {
    const emulator = await emulators.start();
    const ids = ['pls-a', 'pls-b', 'pls-c'].map((n) => plsIdOf(n));
    for (const id of ids) {
      emulator.world.addPrivateLinkService({ id });
      for (let i = 0; i < 3; i++) {
        emulator.world.addConnection({
          plsId: id,
          privateEndpointId: privateEndpointIdOf(
            'c9000000-0000-4000-8000-000000000001',
            `pe-${id.slice(-1)}${i}`,
          ),
          requestMessage: 'x',
        });
      }
    }
    const missing = plsIdOf('pls-gone');
    setContainer(
      armTestContainer(emulator, [...ids, missing], {
        APPROVAL_POLICY: 'version: 1\ndefault: { action: reject, description: "No" }\n',
        RECONCILE_CONCURRENCY: '2',
      }),
    );
    expect(reconcileConnections.options.schedule).toBe('%RECONCILE_SCHEDULE%');
    const { context, lines } = invocation();
    await reconcileConnections.handler(timer, context);
    const summary = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.event === 'approval.reconcile.summary');
    expect(summary).toMatchObject({
      privateLinkServices: 4,
      connections: 9,
      failedPrivateLinkServices: [{ plsId: missing, code: 'arm_not_found' }],
      outcomes: expect.objectContaining({ applied: 9 }),
      mode: 'enforce',
    });
    expect(typeof summary?.durationMs).toBe('number');
  });

  it('decides nothing and fails visibly when the policy is invalid, naming the problem', async () => {
    const emulator = await emulators.start();
    setContainer(
      armTestContainer(emulator, [plsIdOf('pls-a')], {
        APPROVAL_POLICY: 'version: 1\ndefault: { action: approve }\n',
      }),
    );
    const { context } = invocation();
    await expect(reconcileConnections.handler(timer, context)).rejects.toMatchObject({
      code: 'policy_invalid',
      issues: [expect.objectContaining({ path: 'default.action' })],
    });
    expect(emulator.requestLog.entries).toHaveLength(0);
  });
});
