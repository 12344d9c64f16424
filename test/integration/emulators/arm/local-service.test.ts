import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { armEmulatorLocalService, localArmCredential } from '../../../../emulators/arm';
import { ArmNetworkGateway } from '../../../../shared/arm/arm-network-gateway';
import { discoverTenantId } from '../../../../shared/arm/tenant-discovery';

const APP_ROOT = resolve(__dirname, '../../../..');

describe('ARM emulator as a local service', () => {
  it('stands aside when ARM_ENDPOINT is set', async () => {
    const started = await armEmulatorLocalService({ appRoot: APP_ROOT }).start({
      ARM_ENDPOINT: 'https://management.azure.com',
    });
    expect(started.env).toEqual({});
    expect(started.emulator).toBeUndefined();
    await started.stop();
  });

  it('serves the sample story: seeded PLS, Pending connections, tenants per consumer', async () => {
    const started = await armEmulatorLocalService({ appRoot: APP_ROOT }).start({});
    try {
      const endpoint = new URL(started.env.ARM_ENDPOINT ?? '');
      const plsIds = (started.env.PLS_RESOURCE_IDS ?? '').split(',');
      expect(plsIds.map((id) => id.split('/').at(-1))).toEqual(['pls-web', 'pls-api']);
      const gateway = new ArmNetworkGateway({
        endpoint,
        scope: 'https://management.azure.com/.default',
        credential: localArmCredential,
      });
      const connections = (await Promise.all(plsIds.map((id) => gateway.listPlsConnections(id)))).flat();
      const pending = connections.filter((c) => c.status === 'Pending');
      expect(pending.map((c) => c.name.split('.')[0]).sort()).toEqual([
        'pe-fabrikam-api',
        'pe-fabrikam-web',
        'pe-northwind-web',
        'pe-tailwind-web',
        'pe-unknown-api',
      ]);
      expect(pending.find((c) => c.name.startsWith('pe-fabrikam-web'))?.description).toMatch(/^CHG\d{7} /);
      expect(pending.find((c) => c.name.startsWith('pe-tailwind-web'))?.description).not.toMatch(/CHG\d{7}/);
      expect(await discoverTenantId(endpoint, '22222222-2222-2222-2222-222222222222')).toBe(
        'bbbbbbbb-0000-0000-0000-000000000002',
      );
      expect(await discoverTenantId(endpoint, '33333333-3333-3333-3333-333333333333')).toBe(
        'cccccccc-0000-0000-0000-000000000003',
      );
      expect(await discoverTenantId(endpoint, '55555555-5555-5555-5555-555555555555')).toBeUndefined();
    } finally {
      await started.stop();
    }
  });
});
