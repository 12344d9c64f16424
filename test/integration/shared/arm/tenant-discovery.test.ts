import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { discoverTenantId } from '../../../../shared/arm/tenant-discovery';
import { AppError } from '../../../../shared/errors';
import { useArmEmulator } from '../../../helpers/arm-emulator';

const CONSUMER = '22222222-2222-2222-2222-222222222222';
const CONSUMER_TENANT = 'bbbbbbbb-0000-0000-0000-000000000002';
const arm = useArmEmulator();

/** A loopback server answering every request with the given status and headers (or never, when hang). */
async function fakeArm(answer: { status: number; headers?: Record<string, string>; hang?: boolean }) {
  const server: Server = createServer((_request, response) => {
    if (answer.hang) return;
    response.writeHead(answer.status, answer.headers ?? {}).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

beforeAll(() => {
  arm.emulator.world.addSubscription(CONSUMER, CONSUMER_TENANT);
});

describe('discoverTenantId', () => {
  it('reads the owner tenant of a known subscription from the 401 challenge, without sending a token', async () => {
    expect(await discoverTenantId(new URL(arm.emulator.url), CONSUMER)).toBe(CONSUMER_TENANT);
    const logged = arm.emulator.requestLog.entries.filter((e) => e.kind === 'subscription.get').at(-1);
    expect(logged).toMatchObject({ status: 401, authenticated: false });
    expect(logged?.path).toBe(`/subscriptions/${CONSUMER}?api-version=2022-12-01`);
  });

  it('gives undefined for a subscription ARM names no tenant for', async () => {
    expect(
      await discoverTenantId(new URL(arm.emulator.url), '99999999-9999-9999-9999-999999999999'),
    ).toBeUndefined();
  });

  it('gives undefined for a garbage or missing challenge', async () => {
    const challenges: Record<string, string>[] = [
      { 'www-authenticate': 'Bearer authorization_uri="not a url"' },
      { 'www-authenticate': 'Basic realm="x"' },
      {},
    ];
    for (const headers of challenges) {
      const server = await fakeArm({ status: 401, headers });
      try {
        expect(await discoverTenantId(server.url, CONSUMER)).toBeUndefined();
      } finally {
        await server.stop();
      }
    }
  });

  it('throws arm_unavailable (not "no tenant") when ARM fails or does not answer in time', async () => {
    const failing = await fakeArm({ status: 503 });
    const hanging = await fakeArm({ status: 200, hang: true });
    try {
      await expect(discoverTenantId(failing.url, CONSUMER)).rejects.toMatchObject({
        code: 'arm_unavailable',
      });
      const started = performance.now();
      const error = await discoverTenantId(hanging.url, CONSUMER, { timeoutMs: 200 }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('arm_unavailable');
      expect(performance.now() - started).toBeLessThan(1_500);
    } finally {
      await failing.stop();
      await hanging.stop();
    }
  });

  it('honours Retry-After on a 429: waits and asks again when it fits the deadline', async () => {
    arm.emulator.faults.script({ kind: 'subscription.get' }, [
      { type: 'status', status: 429, retryAfterSeconds: 1 },
    ]);
    const started = performance.now();
    expect(await discoverTenantId(new URL(arm.emulator.url), CONSUMER, { timeoutMs: 4_000 })).toBe(
      CONSUMER_TENANT,
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    const [throttled, answered] = arm.emulator.requestLog.entries
      .filter((e) => e.kind === 'subscription.get')
      .slice(-2);
    expect(throttled?.status).toBe(429);
    expect(answered?.status).toBe(401);
  });

  it("hands ARM's Retry-After to the caller as arm_throttled when it exceeds the deadline", async () => {
    arm.emulator.faults.script({ kind: 'subscription.get' }, [
      { type: 'status', status: 429, retryAfterSeconds: 120 },
    ]);
    const started = performance.now();
    await expect(discoverTenantId(new URL(arm.emulator.url), CONSUMER)).rejects.toMatchObject({
      code: 'arm_throttled',
      retryAfterSeconds: 120,
    });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('refuses a non-GUID subscription and a plain-http non-loopback endpoint', async () => {
    await expect(discoverTenantId(new URL(arm.emulator.url), '../../x')).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(discoverTenantId(new URL('http://management.example.com'), CONSUMER)).rejects.toMatchObject({
      code: 'config_invalid',
    });
  });
});
