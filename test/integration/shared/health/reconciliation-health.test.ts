import { HttpRequest, type HttpResponseInit, InvocationContext } from '@azure/functions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { health } from '../../../../functions/health';
import { reconcileConnections } from '../../../../functions/reconcileConnections';
import { reconcileQueuedPls } from '../../../../functions/reconcileQueuedPls';
import type { Clock } from '../../../../shared/clock';
import { type Container, setContainer } from '../../../../shared/composition-root';
import { checkHealth } from '../../../../shared/health/health-check';
import { healthChecks } from '../../../../shared/health/health-checks';
import { rememberRemoteAddress } from '../../../../shared/http/remote-address';
import {
  armTestContainer,
  plsIdOf,
  privateEndpointIdOf,
  useArmEmulator,
} from '../../../helpers/arm-emulator';
import { principalHeader } from '../../../helpers/principals';

/*
 * Reconciliation failing shows in health: the timer and queue record their last outcome, the
 * reader-detail report turns a failed or stopped run into `features.approval.reconciliation.problem`,
 * and a run that works again clears it. ARM failures come from the emulator's fault injection.
 */

const POLICY = 'version: 1\nrules: []\ndefault:\n  action: manual\n';
const PLS = ['pls-a', 'pls-b'].map((n) => plsIdOf(n));
const timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};
const quiet = (id = 'timer-1') => new InvocationContext({ invocationId: id, logHandler: () => {} });

const arm = useArmEmulator();
beforeEach(() => {
  const world = arm.emulator.world;
  for (const id of PLS) {
    if (world.privateLinkService(id) !== undefined) continue;
    world.addPrivateLinkService({ id });
    world.addConnection({
      plsId: id,
      privateEndpointId: privateEndpointIdOf('c9000000-0000-4000-8000-000000000001', `pe-${id.slice(-1)}`),
      requestMessage: 'hello',
    });
  }
});
afterEach(() => {
  arm.emulator.faults.clear();
  setContainer(undefined);
});

function provider(env: Record<string, string> = {}, options: Parameters<typeof armTestContainer>[3] = {}) {
  const container = armTestContainer(arm.emulator, PLS, { APPROVAL_POLICY: POLICY, ...env }, options);
  setContainer(container);
  return container;
}

async function reconciliation(container: Container) {
  const report = await checkHealth(container, 'test', healthChecks(container));
  return { status: report.status, ...report.features.approval?.reconciliation };
}

/** Every connection list answers 503 (past the gateway's retries): ARM is down for these PLS. */
function armListsFail(): void {
  arm.emulator.faults.rate({ kind: 'connection.list' }, 1, [{ type: 'status', status: 503 }]);
}

describe('health reports failing reconciliation', () => {
  it('a timer run whose PLS all fail on ARM 5xx is a problem naming each PLS and the invocation; the next good run clears it', async () => {
    const container = provider();
    armListsFail();
    await reconcileConnections.handler(timer, quiet('timer-failing'));
    const failing = await reconciliation(container);
    expect(failing.status).toBe('degraded');
    expect(failing.lastTimerRun).toMatchObject({ result: 'pls_failed', code: 'arm_unavailable', failed: 2 });
    expect(failing.problem?.message).toContain('could not reconcile 2 of 2 Private Link Services');
    expect(failing.problem?.message).toContain('invocation timer-failing');
    // In the order the PLS failed, which concurrency leaves open.
    expect(failing.problem?.issues).toEqual(
      expect.arrayContaining(PLS.map((path) => ({ path, message: 'arm_unavailable' }))),
    );
    expect(failing.problem?.issueCount).toBe(2);

    arm.emulator.faults.clear();
    await reconcileConnections.handler(timer, quiet('timer-ok'));
    const recovered = await reconciliation(container);
    expect(recovered.problem).toBeUndefined();
    expect(recovered.status).toBe('healthy');
    expect(recovered.lastTimerRun).toMatchObject({ result: 'ok', failed: 0, privateLinkServices: 2 });
    expect(recovered.lastSuccessAt).toBe(recovered.lastTimerRun?.finishedAt);
  }, 30_000);

  it('GET /api/health shows readers the problem when the ARM credential gives no token', async () => {
    const noToken = {
      async getToken(): Promise<never> {
        throw Object.assign(new Error('no managed identity here'), { name: 'CredentialUnavailableError' });
      },
    };
    provider({}, { armCredential: noToken });
    await reconcileConnections.handler(timer, quiet('timer-no-token'));
    const request = new HttpRequest({
      url: 'http://127.0.0.1:7071/api/health',
      method: 'GET',
      headers: { 'x-ms-client-principal': principalHeader('reader') },
    });
    rememberRemoteAddress(request, '127.0.0.1');
    const response = (await health.handler(request, quiet('health'))) as HttpResponseInit;
    const body = response.jsonBody as {
      features: { approval: { reconciliation: { problem: { message: string; issueCount: number } } } };
    };
    const problem = body.features.approval.reconciliation.problem;
    expect(problem.message).toContain('no ARM token could be had');
    expect(problem.issueCount).toBe(2);
    expect(JSON.stringify(body)).not.toContain('no managed identity here');
  }, 30_000);

  it('a queue item that fails is a problem until a timer run works after it', async () => {
    const container = provider();
    await reconcileConnections.handler(timer, quiet('timer-before'));
    armListsFail();
    const item = {
      v: 1,
      plsId: PLS[0],
      cause: 'event',
      round: 0,
      correlationId: 'c-1',
      enqueuedAt: new Date().toISOString(),
    };
    await expect(reconcileQueuedPls.handler(item, quiet('queue-failing'))).rejects.toMatchObject({
      code: 'arm_unavailable',
    });
    const failing = await reconciliation(container);
    expect(failing.problem?.message).toContain('The last queued reconciliation');
    expect(failing.problem?.issues).toEqual([{ path: PLS[0], message: 'arm_unavailable' }]);

    arm.emulator.faults.clear();
    await reconcileConnections.handler(timer, quiet('timer-after'));
    expect((await reconciliation(container)).problem).toBeUndefined();
  }, 30_000);

  it('an invalid policy is told once (by the approval feature), the run still recorded as policy_invalid', async () => {
    const container = provider({ APPROVAL_POLICY: 'version: 1\ndefault: { action: approve }\n' });
    await expect(reconcileConnections.handler(timer, quiet())).rejects.toMatchObject({
      code: 'policy_invalid',
    });
    const report = await checkHealth(container, 'test', healthChecks(container));
    expect(report.features.approval?.problem?.message).toContain('approval policy is invalid');
    expect(report.features.approval?.reconciliation?.lastTimerRun?.result).toBe('policy_invalid');
    expect(report.features.approval?.reconciliation?.problem).toBeUndefined();
  }, 30_000);

  it('no good timer run for more than three schedule periods is a problem (missed runs)', async () => {
    let now = new Date('2026-12-01T10:00:00Z');
    const clock: Clock = { now: () => now };
    const container = provider({ RECONCILE_SCHEDULE: '0 */5 * * * *' }, { clock });
    await reconcileConnections.handler(timer, quiet());
    now = new Date(now.getTime() + 15 * 60_000);
    expect((await reconciliation(container)).problem).toBeUndefined();
    now = new Date(now.getTime() + 60_000);
    const late = await reconciliation(container);
    expect(late.problem?.message).toContain(
      'No reconciliation run has worked since 2026-12-01T10:00:00.000Z',
    );
    expect(late.problem?.message).toContain('every 5 min');
    expect(late.status).toBe('degraded');
  }, 30_000);
});
