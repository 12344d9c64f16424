import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvocationContext } from '@azure/functions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../../../shared/clock';
import { probeQueuedTarget } from '../../../../shared/probe/use-cases/run-probes';
import {
  armTestContainer,
  plsIdOf,
  privateEndpointIdOf,
  useArmEmulator,
} from '../../../helpers/arm-emulator';
import { FAST_NOTIFY, startDeliveryWorker, startSink, waitFor, webhooksSetting } from './notify-harness';

/**
 * The consumer guard end to end: a real local backend that always answers 200, the private
 * endpoint read from the ARM emulator through the real @azure/arm-network gateway, the result
 * recorded in Azurite and the notification delivered to a real webhook sink. A private endpoint
 * that reaches another service is DOWN with WRONG_SERVICE although HTTP passes.
 */

const arm = useArmEmulator();
const CONSUMER = '44444444-4444-4444-4444-444444444444';

let backend: Server;
let backendUrl = '';
beforeAll(async () => {
  backend = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  backend.closeAllConnections();
  await new Promise((resolve) => backend.close(resolve));
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const fixedClock: Clock = { now: () => new Date() };

/**
 * Two services, A (the one meant) and B (another provider's); the consumer's endpoint is created
 * toward `reach` (B's or A's id, or A's alias), approved at creation through the PLS's auto-approval list.
 */
async function world(
  name: string,
  reach: 'A-id' | 'A-alias' | 'B-id',
  expected: 'A-id' | 'A-alias',
  bApproves = true,
) {
  arm.emulator.world.addSubscription(CONSUMER, 'dddddddd-0000-0000-0000-000000000004');
  const a = arm.emulator.world.addPrivateLinkService({
    id: plsIdOf(`pls-a-${name}`),
    autoApproval: [CONSUMER],
  });
  const b = arm.emulator.world.addPrivateLinkService({
    id: plsIdOf(`pls-b-${name}`, '55555555-5555-5555-5555-555555555555'),
    autoApproval: bApproves ? [CONSUMER] : [],
  });
  const peId = privateEndpointIdOf(CONSUMER, `pe-${name}`);
  const target = reach === 'A-id' ? a.id : reach === 'A-alias' ? a.alias : b.id;
  arm.emulator.world.createPrivateEndpoint({ id: peId, location: a.location, target });
  // The id in another case than ARM's: ARM compares resource ids ignoring case, so does the guard.
  const expectedService = expected === 'A-id' ? a.id.toUpperCase() : a.alias;
  const hook = await startSink();
  const container = armTestContainer(
    arm.emulator,
    [],
    {
      PROBE_SCHEDULE: '0 * * * * *',
      PROBE_TARGETS: JSON.stringify([
        { id: name, url: backendUrl, retries: 0, failureThreshold: 1, dependsOn: peId, expectedService },
      ]),
      NOTIFY_WEBHOOKS: webhooksSetting([{ name: 'ops', kind: 'generic', url: hook.url }]),
      ...FAST_NOTIFY,
    },
    { clock: fixedClock },
  );
  const worker = startDeliveryWorker(container);
  cleanups.push(
    () => worker.stop(),
    () => hook.close(),
  );
  const logs: string[] = [];
  const probe = async (deps: { serviceLookup?: null } = {}) => {
    const scheduledAt = new Date().toISOString();
    const outcome = await probeQueuedTarget(
      { targetId: name, scheduledAt, runId: `${name}|${scheduledAt}` },
      new InvocationContext({ logHandler: (_level, ...args) => logs.push(args.join(' ')) }),
      { container, ...deps },
    );
    if (outcome?.result == null) throw new Error(`the probe did not run: ${logs.join('\n')}`);
    return outcome.result;
  };
  return { a, b, hook, probe };
}

describe('consumer guard (expectedService)', () => {
  it('an endpoint re-pointed at another service is DOWN with WRONG_SERVICE, names what it reaches, and pages', async () => {
    const w = await world('repointed', 'B-id', 'A-id');
    const result = await w.probe();
    // HTTP itself passed: the guard alone makes it DOWN.
    expect(result.final.statusCode).toBe(200);
    expect(result.status).toBe('DOWN');
    expect(result.final.failure).toMatchObject({ class: 'WRONG_SERVICE', code: 'WRONG_SERVICE' });
    expect(result.final.failure?.message).toContain(w.b.id);
    expect(result.reason).toContain(w.b.id);

    await waitFor(() => w.hook.received.length >= 1, 15_000, 'the probe.down notification');
    const page = w.hook.received[0];
    expect(page?.headers['x-gatekeeper-event']).toBe('probe.down');
    const data = page?.body.data as Record<string, unknown>;
    expect(data.failureClass).toBe('WRONG_SERVICE');
    expect(String(data.detail)).toContain(w.b.id);
    expect(data.ownerSide).toBe('consumer');
  }, 60_000);

  it('passes when the endpoint reaches the expected service by resource id', async () => {
    const w = await world('by-id', 'A-id', 'A-id');
    const result = await w.probe();
    expect(result.status).toBe('UP');
    expect(result.final.failure).toBeNull();
  }, 60_000);

  it('passes when the endpoint was created with the alias and the alias is expected', async () => {
    const w = await world('by-alias', 'A-alias', 'A-alias');
    const result = await w.probe();
    expect(result.status).toBe('UP');
    expect(result.final.failure).toBeNull();
  }, 60_000);

  it('an alias-created endpoint that reaches another alias is WRONG_SERVICE', async () => {
    const w = await world('alias-repointed', 'B-id', 'A-alias');
    const result = await w.probe();
    expect(result.final.failure?.class).toBe('WRONG_SERVICE');
    expect(result.final.failure?.message).toContain(w.a.alias);
  }, 60_000);

  it('when ARM cannot be asked, a passing result is DEGRADED with the reason, never silently UP', async () => {
    const w = await world('unchecked', 'A-id', 'A-id');
    const result = await w.probe({ serviceLookup: null });
    expect(result.status).toBe('DEGRADED');
    expect(result.reason).toMatch(/consumer guard could not read the private endpoint/);
  }, 60_000);

  it('a re-pointed endpoint whose new connection is still Pending pages all the same (not muted as "awaiting approval")', async () => {
    const w = await world('repointed-pending', 'B-id', 'A-id', false);
    const result = await w.probe();
    expect(result.final.failure?.class).toBe('WRONG_SERVICE');
    expect(result.connectionState).toBeNull();
    await waitFor(() => w.hook.received.length >= 1, 15_000, 'the probe.down notification');
    expect(w.hook.received[0]?.headers['x-gatekeeper-event']).toBe('probe.down');
  }, 60_000);
});
