import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { reconcileAll } from '../../../../shared/approval/use-cases/reconcile-all';
import type { Clock } from '../../../../shared/clock';
import { silentLog } from '../../../../shared/log';
import { handleSweepTimer } from '../../../../shared/notify/use-cases/notification-runs';
import { readEvents } from '../../../../shared/probe/storage/events';
import { recordResult } from '../../../../shared/probe/storage/probe-store';
import {
  armTestContainer,
  PROVIDER_SUBSCRIPTION,
  plsIdOf,
  privateEndpointIdOf,
  useArmEmulator,
} from '../../../helpers/arm-emulator';
import { probeResult, storeTarget } from '../../../helpers/probe-results';
import { testContainer } from '../../../helpers/storage';
import { OTHER_SUB, OTHER_TENANT, TEST_POLICY } from '../approval/approval-world';
import { FAST_NOTIFY, useNotifyFixture, waitFor, webhooksSetting } from './notify-harness';

const arm = useArmEmulator();
const notify = useNotifyFixture();

/** Real time shifted by a settable number of hours. */
function shiftedClock(): Clock & { hours: number } {
  const clock = { hours: 0, now: () => new Date(Date.now() + clock.hours * 3_600_000) };
  return clock;
}

const context = () => new InvocationContext({ logHandler: () => {} });

describe('reminders', () => {
  it('a connection Pending for a person is reminded once per NOTIFY_PENDING_REMINDER_HOURS until decided', async () => {
    const hook = await notify.sink();
    const w = arm.emulator.world;
    w.addSubscription(OTHER_SUB, OTHER_TENANT);
    const plsId = plsIdOf('pls-remind');
    w.addPrivateLinkService({ id: plsId });
    const c = w.addConnection({
      plsId,
      privateEndpointId: privateEndpointIdOf(OTHER_SUB, 'pe-remind'),
      requestMessage: 'CHG0000009',
    });
    const clock = shiftedClock();
    const container = armTestContainer(
      arm.emulator,
      [plsId],
      {
        APPROVAL_POLICY: TEST_POLICY,
        NOTIFY_WEBHOOKS: webhooksSetting([
          { name: 'ops', kind: 'generic', url: hook.url, events: ['connection.reminder'] },
        ]),
        NOTIFY_PENDING_REMINDER_HOURS: '24',
        ...FAST_NOTIFY,
      },
      { clock },
    );
    const worker = notify.worker(container);
    const services = await container.approvalServices();
    const policy = await container.approvalPolicy();
    await reconcileAll(services, policy, [plsId], 1, {
      trigger: 'timer',
      correlationId: 'r1',
      log: silentLog,
    });

    const sweep = () => handleSweepTimer(context(), container, { graceMs: 0 });
    expect(await sweep()).toMatchObject({ reminders: 0 }); // too early
    clock.hours = 25;
    expect(await sweep()).toMatchObject({ reminders: 1 });
    expect(await sweep()).toMatchObject({ reminders: 0 }); // at most once per period
    await waitFor(() => hook.received.length === 1, 10_000, 'the first reminder');
    clock.hours = 49;
    expect(await sweep()).toMatchObject({ reminders: 1 });
    await waitFor(() => hook.received.length === 2, 10_000, 'the second reminder');
    expect(hook.received.map((r) => (r.body.data as { pendingHours: number }).pendingHours)).toEqual([
      24, 48,
    ]);
    expect(hook.received[0]?.body).toMatchObject({
      type: 'connection.reminder',
      data: { connectionName: c.name, requestMessage: 'CHG0000009' },
    });

    // Decided (here in the portal: drift); no more reminders.
    w.updateConnectionState(plsId, c.name, { status: 'Approved' });
    await reconcileAll(services, policy, [plsId], 1, {
      trigger: 'timer',
      correlationId: 'r2',
      log: silentLog,
    });
    clock.hours = 73;
    expect(await sweep()).toMatchObject({ reminders: 0 });
    await new Promise((r) => setTimeout(r, 500));
    expect(hook.received).toHaveLength(2);
    expect(worker.results.filter((r) => r === 'delivered')).toHaveLength(2);
  }, 60_000);

  it('a connection of a discovered PLS (not in PLS_RESOURCE_IDS) is reminded too', async () => {
    const hook = await notify.sink();
    const w = arm.emulator.world;
    w.addSubscription(OTHER_SUB, OTHER_TENANT);
    const plsId = plsIdOf('pls-remind-found');
    w.addPrivateLinkService({ id: plsId, tags: { gatekeeper: 'remind-found' } });
    w.addConnection({
      plsId,
      privateEndpointId: privateEndpointIdOf(OTHER_SUB, 'pe-remind-found'),
      requestMessage: 'CHG0000010',
    });
    const clock = shiftedClock();
    const container = armTestContainer(
      arm.emulator,
      [],
      {
        APPROVAL_POLICY: TEST_POLICY,
        PLS_DISCOVERY_SCOPE: PROVIDER_SUBSCRIPTION,
        PLS_DISCOVERY_TAG: 'gatekeeper=remind-found',
        NOTIFY_WEBHOOKS: webhooksSetting([
          { name: 'ops', kind: 'generic', url: hook.url, events: ['connection.reminder'] },
        ]),
        NOTIFY_PENDING_REMINDER_HOURS: '24',
        ...FAST_NOTIFY,
      },
      { clock },
    );
    notify.worker(container);
    const services = await container.approvalServices();
    await reconcileAll(services, await container.approvalPolicy(), [plsId], 1, {
      trigger: 'timer',
      correlationId: 'r-found',
      log: silentLog,
    });

    clock.hours = 25;
    expect(await handleSweepTimer(context(), container, { graceMs: 0 })).toMatchObject({ reminders: 1 });
    await waitFor(() => hook.received.length === 1, 10_000, 'the reminder');
  }, 60_000);
});

describe('probe state changes', () => {
  it('UP → DOWN → UP sends one probe.down and one probe.up; replays send nothing more; the events table still reads only events', async () => {
    const hook = await notify.sink();
    const container = testContainer({
      NOTIFY_WEBHOOKS: webhooksSetting([{ name: 'teams-sink', kind: 'teams', url: hook.url }]),
      ...FAST_NOTIFY,
    });
    const worker = notify.worker(container);
    const target = storeTarget('iis', { failureThreshold: 1, successThreshold: 1 });
    const at = (m: number) => new Date(Date.UTC(2026, 11, 1, 10, m));
    const results = [
      probeResult({ scheduledAt: at(0), status: 'UP' }),
      probeResult({ scheduledAt: at(1), status: 'DOWN', failureClass: 'TCP_REFUSED' }),
      probeResult({ scheduledAt: at(2), status: 'UP' }),
    ];
    for (const r of results) await recordResult(container, target, r);
    // A replay of every run (at-least-once queue delivery) rewrites the same rows and events.
    for (const r of results) await recordResult(container, target, r);
    await waitFor(() => hook.received.length >= 2, 10_000, 'two notifications');
    await new Promise((r) => setTimeout(r, 800));
    // As a set: the delivery worker sends queued messages concurrently, so the two may arrive in either order.
    expect(hook.received.map((r) => String(r.headers['x-gatekeeper-event'])).sort()).toEqual([
      'probe.down',
      'probe.up',
    ]);
    expect(worker.results.filter((r) => r === 'delivered')).toHaveLength(2);
    const events = await readEvents(container, 'iis');
    expect(events.map((e) => `${e.from}>${e.to}`)).toEqual(['DOWN>UP', 'UP>DOWN', 'UNKNOWN>UP']);
  }, 60_000);
});

describe('one incident per cause', () => {
  it('two targets failing for one cause send one probe.down naming both; another cause sends its own', async () => {
    const hook = await notify.sink();
    const container = testContainer({
      NOTIFY_WEBHOOKS: webhooksSetting([
        { name: 'ce-sink', kind: 'generic', url: hook.url, events: ['probe.down'] },
        { name: 'ce-sink-2', kind: 'generic', url: hook.url, events: ['probe.down'] },
      ]),
      ...FAST_NOTIFY,
    });
    const worker = notify.worker(container);
    const at = (m: number) => new Date(Date.UTC(2026, 11, 1, 11, m));
    const thresholds = { failureThreshold: 1, successThreshold: 1 };
    const failing = [
      ['pe-a', 'TCP_REFUSED'],
      ['pe-b', 'TCP_REFUSED'],
      ['pe-c', 'TCP_TIMEOUT'],
    ] as const;
    for (const [id] of failing)
      await recordResult(
        container,
        storeTarget(id, thresholds),
        probeResult({ targetId: id, scheduledAt: at(0) }),
      );
    // One probe run: the three transitions to DOWN are written together, as the run writes them.
    await Promise.all(
      failing.map(([id, failureClass]) =>
        recordResult(
          container,
          storeTarget(id, thresholds),
          probeResult({ targetId: id, scheduledAt: at(1), status: 'DOWN', failureClass }),
        ),
      ),
    );
    await waitFor(() => hook.received.length >= 4, 20_000, 'two probe.down messages per webhook');
    // Past the window (NOTIFY_GROUP_SECONDS 2 in FAST_NOTIFY): nothing more comes.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(hook.received).toHaveLength(4);
    // One incident for every webhook: each gets the same message, led by the same event.
    const byWebhook = (name: string) =>
      hook.received
        .filter((r) => String(r.headers['x-gatekeeper-delivery']).endsWith(`.${name}`))
        .map((r) => String(r.body.id))
        .sort();
    expect(byWebhook('ce-sink')).toHaveLength(2);
    expect(byWebhook('ce-sink')).toEqual(byWebhook('ce-sink-2'));
    // CloudEvents carry the raw facts (Teams and Slack escape them for their markup).
    const data = hook.received
      .filter((r) => String(r.headers['x-gatekeeper-delivery']).endsWith('.ce-sink'))
      .map((r) => r.body.data as Record<string, string | number | undefined>);
    const grouped = data.find((d) => d.failureClass === 'TCP_REFUSED');
    const single = data.find((d) => d.failureClass === 'TCP_TIMEOUT');
    expect(grouped?.summary).toMatch(/^Endpoint DOWN: Target pe-[ab] and 1 more, one cause \(TCP_REFUSED\)$/);
    const other = grouped?.targetId === 'pe-a' ? 'pe-b' : 'pe-a';
    expect(grouped?.alsoAffected).toBe(`Target ${other} (http://127.0.0.1/)`);
    expect(grouped?.affectedCount).toBe(2);
    expect(single?.summary).toBe('Endpoint DOWN: Target pe-c');
    expect(single?.alsoAffected).toBeUndefined();
    expect(worker.results.filter((r) => r === 'grouped')).toHaveLength(2);
  }, 60_000);
});
