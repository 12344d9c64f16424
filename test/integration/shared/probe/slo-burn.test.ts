import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../../../shared/probe/core/types';
import { recordResult } from '../../../../shared/probe/storage/probe-store';
import { evaluateSloBurn } from '../../../../shared/probe/use-cases/slo-burn';
import { probeResult, storeTarget } from '../../../helpers/probe-results';
import { testContainer } from '../../../helpers/storage';
import { FAST_NOTIFY, useNotifyFixture, waitFor, webhooksSetting } from '../notify/notify-harness';

const notify = useNotifyFixture();

/**
 * Burn-rate alerts end to end on Azurite: runs written by the probe's own store, the evaluation
 * reading them back (raw rows for 5/30 minutes, hourly rollups beyond), the alert state row and
 * its outbox, and the delivery worker posting slo.burn to a webhook sink on loopback.
 */
describe('slo.burn', () => {
  it('fires once per rule while the budget burns, resolves the fast rule when the failures stop, and ignores not-Approved failures', async () => {
    const hook = await notify.sink();
    const clock = { at: new Date(0), now: () => clock.at };
    const container = testContainer(
      {
        NOTIFY_WEBHOOKS: webhooksSetting([
          { name: 'slo', kind: 'generic', url: hook.url, events: ['slo.burn'] },
        ]),
        ...FAST_NOTIFY,
      },
      { clock },
    );
    const worker = notify.worker(container);
    const base = storeTarget('shop');
    const target = {
      ...base,
      slo: { availability: 99, latencyMs: undefined, latencyTarget: 95, windowDays: 30 },
    };
    const at = (m: number) => new Date(Date.UTC(2026, 11, 1, 9, m));
    const told: string[] = [];
    const run = async (m: number, spec: Partial<Parameters<typeof probeResult>[0]>) => {
      const result: ProbeResult = probeResult({ targetId: 'shop', scheduledAt: at(m), ...spec });
      clock.at = new Date(at(m).getTime() + 30_000);
      await recordResult(container, target, result);
      for (const notice of await evaluateSloBurn(container, target)) told.push(`${notice}@${m}`);
    };
    for (let m = 0; m < 60; m++) await run(m, { status: 'UP' });
    // Twenty minutes DOWN while the connection is Pending: excluded, nothing burns.
    for (let m = 60; m < 80; m++) await run(m, { status: 'DOWN', connectionState: 'Pending' });
    expect(told).toEqual([]);
    for (let m = 80; m < 90; m++) await run(m, { status: 'DOWN' });
    // DOWN again but Pending: the short window holds no counted run, so the fast rule resolves.
    for (let m = 90; m < 100; m++) await run(m, { status: 'DOWN', connectionState: 'Pending' });
    // A replayed evaluation of the same minute tells nothing new.
    expect(await evaluateSloBurn(container, target)).toEqual([]);
    // Each rule fires when both of its windows reach its threshold (1 % allowed; 60 good runs before):
    // the 3-day ticket rule with the first counted failure, 6x over 6 h / 30 min after four,
    // 14.4x over 1 h / 5 min after six; the fast rule resolves once its 5 minutes hold no counted failure.
    expect(told).toEqual([
      'ticket:fired@80',
      'page-slow:fired@83',
      'page-fast:fired@85',
      'page-fast:resolved@94',
    ]);

    await waitFor(() => hook.received.length >= 4, 15_000, 'four slo.burn deliveries');
    await new Promise((r) => setTimeout(r, 500));
    expect(hook.received).toHaveLength(4);
    expect(hook.received.every((r) => r.headers['x-gatekeeper-event'] === 'slo.burn')).toBe(true);
    const fastResolved = hook.received.find(
      (r) => JSON.stringify(r.body).includes('page-fast') && JSON.stringify(r.body).includes('resolved'),
    );
    expect(fastResolved?.body).toMatchObject({
      type: 'slo.burn',
      data: { targetId: 'shop', to: 'resolved' },
    });
    expect(worker.results.filter((r) => r === 'delivered')).toHaveLength(4);
  }, 120_000);
});
