import { describe, expect, it } from 'vitest';
import { ArmMetrics } from '../../../../shared/arm/arm-metrics';
import { ArmNetworkGateway } from '../../../../shared/arm/arm-network-gateway';
import {
  guidOf,
  plsIdOf,
  populateConnections,
  staticArmCredential,
  useArmEmulator,
} from '../../../helpers/arm-emulator';

const arm = useArmEmulator();

describe('ArmNetworkGateway at the limits (10 PLS x 1,000 connections)', () => {
  it('lists 10,000 connections and approves 1,000 through the real SDK', async () => {
    const plsIds = Array.from({ length: 10 }, (_, i) => plsIdOf(`pls-volume-${i}`));
    for (const id of plsIds) arm.emulator.world.addPrivateLinkService({ id });
    const consumers = Array.from({ length: 50 }, (_, i) => guidOf(i));
    populateConnections(arm.emulator.world, { plsIds, perPls: 1_000, consumerSubscriptions: consumers });
    const metrics = new ArmMetrics();
    const gateway = new ArmNetworkGateway({
      endpoint: new URL(arm.emulator.url),
      scope: 'https://management.azure.com/.default',
      credential: staticArmCredential(),
      metrics,
    });

    const listStarted = performance.now();
    const lists = await Promise.all(plsIds.map((id) => gateway.listPlsConnections(id)));
    const listMs = performance.now() - listStarted;
    expect(lists.map((l) => l.length)).toEqual(plsIds.map(() => 1_000));

    const first = lists[0] ?? [];
    const putStarted = performance.now();
    const queue = [...first];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
          await gateway.updateConnectionState(c.plsId, c.name, {
            status: 'Approved',
            description: 'volume test',
          });
        }
      }),
    );
    const putMs = performance.now() - putStarted;
    const world = arm.emulator.world.privateLinkService(plsIds[0] ?? '');
    expect([...(world?.connections.values() ?? [])].every((c) => c.status === 'Approved')).toBe(true);
    expect(metrics.snapshot().requests).toMatchObject({ list: 100, put: 1_000 });
    console.log(
      JSON.stringify({
        event: 'arm.volume',
        listMs: Math.round(listMs),
        putMs: Math.round(putMs),
        perPutMs: +(putMs / 1_000).toFixed(2),
      }),
    );
  }, 40_000);
});
