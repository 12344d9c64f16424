import { beforeEach, describe, expect, it } from 'vitest';
import { ArmMetrics } from '../../../../shared/arm/arm-metrics';
import { ArmNetworkGateway, type ArmNetworkGatewayOptions } from '../../../../shared/arm/arm-network-gateway';
import { appErrorFrom } from '../../../helpers/app-errors';
import {
  plsIdOf,
  populateConnections,
  staticArmCredential,
  useArmEmulator,
} from '../../../helpers/arm-emulator';

const CONSUMER = 'c0000000-0000-4000-8000-000000000002';
const arm = useArmEmulator({ pageSize: 50 });
let plsId: string;
let counter = 0;

function gateway(overrides: Partial<ArmNetworkGatewayOptions> = {}) {
  return new ArmNetworkGateway({
    endpoint: new URL(arm.emulator.url),
    scope: 'https://management.azure.com/.default',
    credential: staticArmCredential(),
    retry: {
      maxAttempts: 4,
      baseDelayMs: 20,
      maxDelayMs: 80,
      maxTotalWaitMs: 5_000,
      attemptTimeoutMs: 2_000,
    },
    lroPollIntervalMs: 5,
    random: () => 0.5,
    ...overrides,
  });
}

beforeEach(() => {
  arm.emulator.faults.clear();
  counter += 1;
  plsId = plsIdOf(`pls-faults-${counter}`);
  arm.emulator.world.addPrivateLinkService({ id: plsId });
});

describe('ArmNetworkGateway retries (against injected faults)', () => {
  it('waits as long as a 429 Retry-After says, then succeeds', async () => {
    const metrics = new ArmMetrics();
    const gw = gateway({ metrics });
    await gw.getPrivateLinkService(plsId); // loads the SDK, so only the wait is measured below
    arm.emulator.faults.script({ kind: 'pls.get' }, [{ type: 'status', status: 429, retryAfterSeconds: 1 }]);
    await gw.getPrivateLinkService(plsId);
    const [throttled, retried] = arm.emulator.requestLog.entries
      .filter((e) => e.path.startsWith(plsId))
      .slice(-2);
    expect(throttled?.status).toBe(429);
    expect(retried?.status).toBe(200);
    const gap = (retried?.at ?? 0) - (throttled?.at ?? 0);
    expect(gap).toBeGreaterThanOrEqual(1_000);
    expect(gap).toBeLessThan(1_500);
    expect(metrics.snapshot()).toMatchObject({ requests: { get: 3 }, retries: { throttled: 1 } });
  });

  it('gives up at once with arm_throttled when Retry-After exceeds the wait budget', async () => {
    arm.emulator.faults.script({ kind: 'pls.get' }, [
      { type: 'status', status: 429, retryAfterSeconds: 120 },
    ]);
    const started = performance.now();
    const error = await appErrorFrom(gateway().getPrivateLinkService(plsId));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(error).toMatchObject({
      code: 'arm_throttled',
      retryAfterSeconds: 120,
      upstreamCode: 'TooManyRequests',
    });
  });

  it('retries 503 and succeeds', async () => {
    arm.emulator.faults.script({ kind: 'connection.list' }, [
      { type: 'status', status: 503 },
      { type: 'status', status: 500 },
    ]);
    populateConnections(arm.emulator.world, {
      plsIds: [plsId],
      perPls: 3,
      consumerSubscriptions: [CONSUMER],
    });
    const metrics = new ArmMetrics();
    expect(await gateway({ metrics }).listPlsConnections(plsId)).toHaveLength(3);
    expect(metrics.snapshot()).toMatchObject({ requests: { list: 3 }, retries: { server: 2 } });
  });

  it('turns a persistent 503 into arm_unavailable after the attempt cap', async () => {
    arm.emulator.faults.rate({ kind: 'pls.get' }, 1, [{ type: 'status', status: 503 }]);
    const metrics = new ArmMetrics();
    const error = await appErrorFrom(gateway({ metrics }).getPrivateLinkService(plsId));
    expect(error).toMatchObject({ code: 'arm_unavailable', upstreamCode: 'ServiceUnavailable' });
    expect(error.transient).toBe(true);
    expect(metrics.snapshot().requests.get).toBe(4);
  });

  it('retries a dropped connection (socket destroyed mid-request)', async () => {
    arm.emulator.faults.script({ kind: 'pls.get' }, [{ type: 'drop' }, { type: 'drop' }]);
    const metrics = new ArmMetrics();
    await gateway({ metrics }).getPrivateLinkService(plsId);
    expect(metrics.snapshot()).toMatchObject({ requests: { get: 3 }, retries: { network: 2 } });
  });

  it('times out a hanging attempt and retries it', async () => {
    arm.emulator.faults.script({ kind: 'pls.get' }, [{ type: 'delay', ms: 1_500 }]);
    const metrics = new ArmMetrics();
    await gateway({
      metrics,
      retry: {
        maxAttempts: 3,
        baseDelayMs: 10,
        maxDelayMs: 20,
        maxTotalWaitMs: 1_000,
        attemptTimeoutMs: 300,
      },
    }).getPrivateLinkService(plsId);
    expect(metrics.snapshot()).toMatchObject({ requests: { get: 2 }, retries: { network: 1 } });
  });

  it('never retries other 4xx', async () => {
    arm.emulator.faults.script({ kind: 'pls.get' }, [
      { type: 'status', status: 400, code: 'InvalidRequestFormat' },
    ]);
    const metrics = new ArmMetrics();
    const error = await appErrorFrom(gateway({ metrics }).getPrivateLinkService(plsId));
    expect(error).toMatchObject({ code: 'arm_error', upstreamCode: 'InvalidRequestFormat' });
    expect(metrics.snapshot().requests.get).toBe(1);
  });

  it('retries the PUT of a connection state (idempotent) and applies it once', async () => {
    const [connection] = populateConnections(arm.emulator.world, {
      plsIds: [plsId],
      perPls: 1,
      consumerSubscriptions: [CONSUMER],
    });
    const writes: string[] = [];
    const off = arm.emulator.onWrite((e) => writes.push(e.resourceId));
    arm.emulator.faults.script({ kind: 'connection.put' }, [
      { type: 'status', status: 429, retryAfterSeconds: 0 },
      { type: 'drop' },
    ]);
    try {
      const updated = await gateway().updateConnectionState(plsId, connection?.name ?? '', {
        status: 'Approved',
        description: 'policy',
      });
      expect(updated.status).toBe('Approved');
      expect(writes).toHaveLength(1);
    } finally {
      off();
    }
  });

  it('survives a 20% fault rate on a paged list', async () => {
    populateConnections(arm.emulator.world, {
      plsIds: [plsId],
      perPls: 500,
      consumerSubscriptions: [CONSUMER],
    });
    arm.emulator.faults
      .reseed(7)
      .rate({ kind: 'connection.list' }, 0.2, [
        { type: 'status', status: 429, retryAfterSeconds: 0 },
        { type: 'status', status: 503 },
        { type: 'drop' },
      ]);
    const metrics = new ArmMetrics();
    const connections = await gateway({
      metrics,
      retry: { maxAttempts: 8, baseDelayMs: 5, maxDelayMs: 20, maxTotalWaitMs: 5_000 },
    }).listPlsConnections(plsId);
    expect(connections).toHaveLength(500);
    const retries = metrics.snapshot().retries;
    expect(retries.throttled + retries.server + retries.network).toBeGreaterThan(0);
  });
});
