import { describe, expect, it } from 'vitest';
import { ArmNetworkGateway } from '../../../../shared/arm/arm-network-gateway';
import { Container } from '../../../../shared/composition-root';
import { checkHealth } from '../../../../shared/health/health-check';
import { healthChecks } from '../../../../shared/health/health-checks';
import {
  armTestContainer,
  plsIdOf,
  staticArmCredential,
  useArmEmulator,
} from '../../../helpers/arm-emulator';

const arm = useArmEmulator();

describe('Container.armGateway', () => {
  it('builds one gateway pointed at ARM_ENDPOINT with the injected credential', async () => {
    const plsId = plsIdOf('pls-container');
    arm.emulator.world.addPrivateLinkService({ id: plsId });
    const container = armTestContainer(arm.emulator, [plsId]);
    const gateway = await container.armGateway();
    expect(await container.armGateway()).toBe(gateway);
    expect((await gateway.getPrivateLinkService(plsId)).id).toBe(plsId);
    expect(gateway.metrics.snapshot().requests.get).toBe(1);
  });

  it('refuses a plain-http ARM endpoint that is not loopback (config and gateway alike)', async () => {
    const container = new Container({
      env: {
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        ARM_ENDPOINT: 'http://management.example.com',
      },
      armCredential: staticArmCredential(),
    });
    await expect(container.armGateway()).rejects.toMatchObject({ code: 'config_invalid' });
    expect(
      () =>
        new ArmNetworkGateway({
          endpoint: new URL('http://10.1.2.3'),
          scope: 'https://management.azure.com/.default',
          credential: staticArmCredential(),
        }),
    ).toThrow(/https/);
  });

  it('keeps the SDK bearer policy for https endpoints (our loopback policy is never installed there)', async () => {
    const gateway = new ArmNetworkGateway({
      endpoint: new URL('https://management.azure.com'),
      scope: 'https://management.azure.com/.default',
      credential: staticArmCredential(),
    });
    const names = await gateway.pipelinePolicyNames('11111111-1111-1111-1111-111111111111');
    expect(names).toContain('bearerTokenAuthenticationPolicy');
    expect(names).not.toContain('loopbackBearerTokenPolicy');
    expect(names).toContain('armRetryPolicy');
  });
});

describe('health: ARM check', () => {
  it('is up when the first managed PLS can be read, down when it cannot, absent without PLS_RESOURCE_IDS', async () => {
    const plsId = plsIdOf('pls-health');
    arm.emulator.world.addPrivateLinkService({ id: plsId });
    const up = armTestContainer(arm.emulator, [plsId]);
    const upReport = await checkHealth(up, 't', healthChecks(up));
    expect(upReport.dependencies.find((d) => d.name === 'arm')?.status).toBe('up');

    const down = armTestContainer(arm.emulator, [plsIdOf('pls-health-missing')]);
    const downReport = await checkHealth(down, 't', healthChecks(down));
    expect(downReport.dependencies.find((d) => d.name === 'arm')).toMatchObject({ status: 'down' });
    expect(downReport.dependencies.find((d) => d.name === 'arm')?.reason).toContain('arm_not_found');

    const none = armTestContainer(arm.emulator, []);
    expect(healthChecks(none).map((c) => c.name)).not.toContain('arm');
  });
});
