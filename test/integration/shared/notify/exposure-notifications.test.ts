import { describe, expect, it } from 'vitest';
import { reconcilePrivateLinkService } from '../../../../shared/approval/use-cases/reconcile-pls';
import type { Container } from '../../../../shared/composition-root';
import { silentLog } from '../../../../shared/log';
import { armTestContainer, guidOf, plsIdOf, useArmEmulatorPerTest } from '../../../helpers/arm-emulator';
import { FAST_NOTIFY, useNotifyFixture, waitFor, webhooksSetting } from './notify-harness';

/*
 * The exposure audit's announcements through the app's own notifier: each contradiction of a PLS
 * setting with the policy is told once (staged with the Exposure row that records it as
 * announced), its fix told when it is fixed, and told again only when it comes back.
 */
const emulators = useArmEmulatorPerTest();
const notify = useNotifyFixture();
const CUSTOMER = guidOf(1, 'eb');
const POLICY = `
version: 1
default: { action: reject }
rules:
  - name: customers
    action: approve
    match: { consumerSubscriptions: ["${CUSTOMER}"] }
`;

async function run(container: Container, plsId: string): Promise<void> {
  await reconcilePrivateLinkService(
    await container.approvalServices(),
    await container.approvalPolicy(),
    plsId,
    { trigger: 'timer', correlationId: 'exposure-notify', log: silentLog },
  );
}

/** Lets every enqueued delivery reach the sink (the worker polls every 100 ms). */
async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1500));
}

describe('exposure notifications', () => {
  it('tells a contradiction once over two runs, its fix once, and again when it comes back', async () => {
    const emulator = await emulators.start();
    const plsId = plsIdOf('pls-notify-exposure');
    const pls = emulator.world.addPrivateLinkService({
      id: plsId,
      visibility: [CUSTOMER],
      accessMode: 'Default',
    });
    const generic = await notify.sink();
    const container = armTestContainer(emulator, [plsId], {
      APPROVAL_POLICY: POLICY,
      NOTIFY_WEBHOOKS: webhooksSetting([
        {
          name: 'ops',
          kind: 'generic',
          url: generic.url,
          events: ['exposure.contradiction', 'exposure.resolved'],
        },
      ]),
      ...FAST_NOTIFY,
    });
    notify.worker(container);
    const types = () => generic.received.map((r) => r.body.type);

    await run(container, plsId);
    await waitFor(() => generic.received.length >= 1, 15_000, 'the first announcement');
    await run(container, plsId);
    await settle();
    expect(types()).toEqual(['exposure.contradiction']);
    expect(generic.received[0]?.body).toMatchObject({
      subject: plsId,
      data: {
        plsName: 'pls-notify-exposure',
        setting: 'accessMode',
        currentValue: 'Default',
        expected: 'Restricted',
        fix: expect.stringContaining('properties.accessMode=Restricted'),
      },
    });

    pls.accessMode = 'Restricted';
    await run(container, plsId);
    await waitFor(() => generic.received.length >= 2, 15_000, 'the resolution');
    await run(container, plsId);
    pls.accessMode = 'Default';
    await run(container, plsId);
    await waitFor(() => generic.received.length >= 3, 15_000, 'the second announcement');
    await run(container, plsId);
    await settle();
    expect(types()).toEqual(['exposure.contradiction', 'exposure.resolved', 'exposure.contradiction']);
    expect(generic.received[0]?.body.id).not.toBe(generic.received[2]?.body.id);
  });
});
