import { describe, expect, it } from 'vitest';
import { type DiscoveryScope, ResourceGraphClient } from '../../../../shared/arm/resource-graph';
import {
  PROVIDER_SUBSCRIPTION,
  plsIdOf,
  staticArmCredential,
  useArmEmulatorPerTest,
} from '../../../helpers/arm-emulator';

const emulators = useArmEmulatorPerTest();
const OTHER_SUBSCRIPTION = '22222222-2222-4222-8222-222222222222';
const inProvider: DiscoveryScope = { kind: 'subscriptions', subscriptionIds: [PROVIDER_SUBSCRIPTION] };

function client(url: string, options: { maxWaitMs?: number; waits?: number[] } = {}) {
  return new ResourceGraphClient({
    endpoint: new URL(url),
    scope: 'https://management.azure.com/.default',
    credential: staticArmCredential(),
    ...(options.maxWaitMs === undefined ? {} : { maxWaitMs: options.maxWaitMs }),
    sleep: async (ms) => {
      options.waits?.push(ms);
      await new Promise((resolve) => setTimeout(resolve, ms));
    },
  });
}

function graphRequests(emulator: Awaited<ReturnType<typeof emulators.start>>) {
  return emulator.requestLog.entries.filter((e) => e.kind === 'graph.query');
}

describe('Resource Graph discovery against the ARM emulator', () => {
  it('follows $skipToken across pages until an answer has none, and keeps only the scope', async () => {
    const emulator = await emulators.start({ graphPageSize: 2 });
    const ids = ['pls-1', 'pls-2', 'pls-3', 'pls-4', 'pls-5'].map((n) => plsIdOf(n));
    for (const id of ids) emulator.world.addPrivateLinkService({ id });
    emulator.world.addPrivateLinkService({ id: plsIdOf('pls-elsewhere', OTHER_SUBSCRIPTION) });

    const found = await client(emulator.url).listPrivateLinkServiceIds(inProvider, undefined);

    expect(found.ids).toEqual(ids);
    expect(found.pages).toBe(3);
    expect(graphRequests(emulator).map((e) => e.status)).toEqual([200, 200, 200]);
  });

  it('asks a management group by its subscriptions', async () => {
    const emulator = await emulators.start();
    emulator.world.addManagementGroup('mg-provider', [OTHER_SUBSCRIPTION]);
    emulator.world.addPrivateLinkService({ id: plsIdOf('pls-here') });
    const there = plsIdOf('pls-there', OTHER_SUBSCRIPTION);
    emulator.world.addPrivateLinkService({ id: there });
    const found = await client(emulator.url).listPrivateLinkServiceIds(
      { kind: 'managementGroup', managementGroupId: 'mg-provider' },
      undefined,
    );
    expect(found.ids).toEqual([there]);
  });

  it('finds only the services carrying the tag (name=value, exact)', async () => {
    const emulator = await emulators.start();
    const prod = plsIdOf('pls-prod');
    emulator.world.addPrivateLinkService({ id: prod, tags: { gatekeeper: 'managed' } });
    emulator.world.addPrivateLinkService({ id: plsIdOf('pls-other'), tags: { gatekeeper: 'manual' } });
    emulator.world.addPrivateLinkService({ id: plsIdOf('pls-untagged') });
    const found = await client(emulator.url).listPrivateLinkServiceIds(inProvider, {
      name: 'gatekeeper',
      value: 'managed',
    });
    expect(found.ids).toEqual([prod]);
  });

  it('waits for x-ms-user-quota-resets-after when no query is left, instead of being throttled', async () => {
    const emulator = await emulators.start({ graphPageSize: 1, graphQuota: { queries: 2, windowMs: 1_000 } });
    for (const n of ['a', 'b', 'c']) emulator.world.addPrivateLinkService({ id: plsIdOf(`pls-${n}`) });
    const waits: number[] = [];

    const found = await client(emulator.url, { waits }).listPrivateLinkServiceIds(inProvider, undefined);

    expect(found.ids).toHaveLength(3);
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(found.waitedMs).toBeGreaterThan(0);
    // Not one 429: the client read the quota headers and waited before asking again.
    expect(graphRequests(emulator).map((e) => e.status)).toEqual([200, 200, 200]);
  });

  it('on a 429 waits for Retry-After and asks again; past its wait budget it fails arm_throttled', async () => {
    const emulator = await emulators.start({ graphQuota: { queries: 1, windowMs: 1_000 } });
    emulator.world.addPrivateLinkService({ id: plsIdOf('pls-a') });
    emulator.graphQuota.exhaust('test-token');
    const waits: number[] = [];
    const found = await client(emulator.url, { waits }).listPrivateLinkServiceIds(inProvider, undefined);
    expect(found.ids).toEqual([plsIdOf('pls-a')]);
    expect(graphRequests(emulator).map((e) => e.status)).toEqual([429, 200]);
    expect(waits).toEqual([1_000]);

    emulator.graphQuota.exhaust('test-token');
    await expect(
      client(emulator.url, { maxWaitMs: 100 }).listPrivateLinkServiceIds(inProvider, undefined),
    ).rejects.toMatchObject({ code: 'arm_throttled' });
  });

  it('the emulator refuses a query shape the product does not send', async () => {
    const emulator = await emulators.start();
    const response = await fetch(
      `${emulator.url}/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01`,
      {
        method: 'POST',
        headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' },
        body: JSON.stringify({ subscriptions: [PROVIDER_SUBSCRIPTION], query: 'resources | project id' }),
      },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('x-ms-user-quota-remaining')).toBe('14');
    expect(response.headers.get('x-ms-user-quota-resets-after')).toMatch(/^00:00:0\d$/);
  });
});
