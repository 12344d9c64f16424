import { describe, expect, it } from 'vitest';
import { ArmNetworkGateway, createNetworkClient } from '../../../../shared/arm/arm-network-gateway';
import { plsIdOf, staticArmCredential, useArmEmulator } from '../../../helpers/arm-emulator';

const CONSUMER = '22222222-2222-2222-2222-222222222222';
const arm = useArmEmulator();

function consumerClient() {
  return createNetworkClient(CONSUMER, {
    endpoint: new URL(arm.emulator.url),
    scope: 'https://management.azure.com/.default',
    credential: staticArmCredential(),
  });
}

function gateway() {
  return new ArmNetworkGateway({
    endpoint: new URL(arm.emulator.url),
    scope: 'https://management.azure.com/.default',
    credential: staticArmCredential(),
    lroPollIntervalMs: 5,
  });
}

describe('consumer private endpoints through the real SDK (create LRO, state, delete)', () => {
  it.each([
    ['by id', (pls: { id: string; alias: string }) => pls.id],
    ['by alias', (pls: { id: string; alias: string }) => pls.alias],
  ])(
    'connects %s: the provider sees a Pending request with the message, the consumer sees Pending',
    async (label, target) => {
      const plsName = `pls-consumer-${label.replace(' ', '-')}`;
      const pls = arm.emulator.world.addPrivateLinkService({ id: plsIdOf(plsName) });
      const client = await consumerClient();
      const peName = `pe-${label.replace(' ', '-')}`;
      const created = await client.privateEndpoints.beginCreateOrUpdateAndWait(
        'rg-consumer',
        peName,
        {
          location: 'westeurope',
          subnet: {
            id: `/subscriptions/${CONSUMER}/resourceGroups/rg-consumer/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet`,
          },
          manualPrivateLinkServiceConnections: [
            {
              name: 'to-contoso',
              privateLinkServiceId: target(pls),
              requestMessage: 'CHG0012345 - contoso web access',
            },
          ],
        },
        { updateIntervalInMs: 5 },
      );
      expect(
        created.manualPrivateLinkServiceConnections?.[0]?.privateLinkServiceConnectionState?.status,
      ).toBe('Pending');

      const [connection] = await gateway().listPlsConnections(pls.id);
      expect(connection).toMatchObject({ status: 'Pending', description: 'CHG0012345 - contoso web access' });
      expect(connection?.name).toMatch(new RegExp(`^${peName}\\.[0-9a-f-]{36}$`));
      expect(connection?.privateEndpointId?.toLowerCase()).toBe(created.id?.toLowerCase());

      const peId = created.id ?? '';
      expect(await gateway().getPrivateEndpointConnectionStatus(peId)).toBe('Pending');
      await gateway().updateConnectionState(pls.id, connection?.name ?? '', {
        status: 'Approved',
        description: 'approved by policy',
      });
      expect(await gateway().getPrivateEndpointConnectionStatus(peId)).toBe('Approved');

      await client.privateEndpoints.beginDeleteAndWait('rg-consumer', peName, { updateIntervalInMs: 5 });
      expect(await gateway().listPlsConnections(pls.id)).toEqual([]);
      await expect(gateway().getPrivateEndpointConnectionStatus(peId)).rejects.toMatchObject({
        code: 'arm_not_found',
      });
    },
  );
});
