import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ArmEmulator, loadArmSeed } from '../../../../emulators/arm';
import { reconcileAll } from '../../../../shared/approval/use-cases/reconcile-all';
import { armTestContainer, startTestArmEmulator } from '../../../helpers/arm-emulator';
import { collectLog, servicesAndPolicy } from './approval-world';

const ROOT = join(__dirname, '../../../..');
let emulator: ArmEmulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

describe('the shipped sample policy against the shipped emulator seed', () => {
  it('approves Fabrikam with a ticket, rejects Tailwind without one, leaves Northwind and the unknown tenant Pending', async () => {
    const seed = await loadArmSeed('arm-emulator.sample.yaml', ROOT);
    emulator = await startTestArmEmulator({ seed });
    const plsIds = seed.privateLinkServices.map((p) => p.id);
    const env = { APPROVAL_POLICY_PATH: 'approval-policy.sample.yaml' };
    const { services, policy } = await servicesAndPolicy(
      armTestContainer(emulator, plsIds, env, { appRoot: ROOT }),
    );
    await reconcileAll(services, policy, plsIds, 2, {
      trigger: 'timer',
      correlationId: 'sample',
      log: collectLog().log,
    });
    const status = (pe: string) =>
      emulator?.world
        .privateLinkServices()
        .flatMap((p) => [...p.connections.values()])
        .find((c) => c.privateEndpointId.endsWith(`/${pe}`))?.status;
    expect(status('pe-fabrikam-web')).toBe('Approved');
    expect(status('pe-fabrikam-api')).toBe('Approved');
    expect(status('pe-tailwind-web')).toBe('Rejected');
    expect(status('pe-northwind-web')).toBe('Pending');
    expect(status('pe-unknown-api')).toBe('Pending');
    expect(status('pe-fabrikam-hr-web')).toBe('Approved');
    expect(status('pe-tailwind-api')).toBe('Rejected');
    expect(emulator.requestLog.count('connection.put')).toBe(3);
  });
});
