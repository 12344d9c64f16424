import type { TokenCredential } from '@azure/core-auth';
import { CredentialUnavailableError } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { startArmEmulator } from '../../../../emulators/arm';
import { ArmNetworkGateway } from '../../../../shared/arm/arm-network-gateway';
import { LOOPBACK_ARM_TOKEN } from '../../../../shared/arm/loopback-credential';
import { Container } from '../../../../shared/composition-root';
import { checkHealth } from '../../../../shared/health/health-check';
import { healthChecks } from '../../../../shared/health/health-checks';
import { appErrorFrom } from '../../../helpers/app-errors';
import {
  armTestContainer,
  plsIdOf,
  staticArmCredential,
  useArmEmulator,
} from '../../../helpers/arm-emulator';
import { testContainer } from '../../../helpers/storage';

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

/** A Container whose Azure credential must never be asked for (it would reach past loopback). */
class NoAzureLogin extends Container {
  asked = 0;
  override async credential(): Promise<TokenCredential> {
    this.asked += 1;
    throw new Error('the Azure credential must not be used here');
  }
}

function noLoginContainer(env: Record<string, string>): NoAzureLogin {
  return new NoAzureLogin({ env: { ...env, AzureWebJobsStorage: 'UseDevelopmentStorage=true' } });
}

describe('ARM credential', () => {
  it('sends a fixed local token to a loopback ARM_ENDPOINT without asking for any Azure credential', async () => {
    const own = await startArmEmulator({ expectedToken: LOOPBACK_ARM_TOKEN, lroDurationMs: 5 });
    try {
      const plsId = plsIdOf('pls-loopback-login');
      own.world.addPrivateLinkService({ id: plsId });
      const container = noLoginContainer({ ARM_ENDPOINT: own.url, PLS_RESOURCE_IDS: plsId });
      expect((await (await container.armGateway()).getPrivateLinkService(plsId)).id).toBe(plsId);
      expect(container.asked).toBe(0);
      expect(own.requestLog.entries.at(-1)).toMatchObject({ status: 200, authenticated: true });
    } finally {
      await own.stop();
    }
  });

  it('against real ARM asks the Azure credential, never the local token', async () => {
    const container = noLoginContainer({ ARM_ENDPOINT: 'https://management.azure.com' });
    await expect(container.armCredential()).rejects.toThrow(/must not be used/);
    expect(container.asked).toBe(1);
  });

  it('turns an unavailable credential into arm_credential_unavailable, shown by the health report, sending nothing', async () => {
    const unavailable: TokenCredential = {
      async getToken() {
        throw new CredentialUnavailableError('DefaultAzureCredential found no credential.');
      },
    };
    const plsId = plsIdOf('pls-no-login');
    // https://management.azure.com: the token is asked for before any request, and none is given.
    const container = testContainer(
      { ARM_ENDPOINT: 'https://management.azure.com', PLS_RESOURCE_IDS: plsId },
      { armCredential: unavailable },
    );
    const error = await appErrorFrom((await container.armGateway()).getPrivateLinkService(plsId));
    expect(error).toMatchObject({
      code: 'arm_credential_unavailable',
      message: 'no Azure credential: run `az login` or set `AZURE_CLIENT_ID`',
    });
    const report = await checkHealth(container, 't', healthChecks(container));
    expect(report.dependencies.find((d) => d.name === 'arm')).toMatchObject({
      status: 'down',
      reason: 'arm_credential_unavailable: no Azure credential: run `az login` or set `AZURE_CLIENT_ID`',
    });
  });
});
