import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { POLICY_ACTOR } from '../../../../shared/approval/core/actor';
import { AuditStore } from '../../../../shared/approval/storage/audit-store';
import { reconcileAll } from '../../../../shared/approval/use-cases/reconcile-all';
import type { Container } from '../../../../shared/composition-root';
import { silentLog } from '../../../../shared/log';
import type { NotifyEvent } from '../../../../shared/notify/core/notify-events';
import { Notifier } from '../../../../shared/notify/storage/notifier';
import { NotificationOutbox } from '../../../../shared/notify/storage/store-hooks';
import { handleSweepTimer } from '../../../../shared/notify/use-cases/notification-runs';
import { NOTIFY_TABLES } from '../../../../shared/notify/wiring';
import {
  armTestContainer,
  plsIdOf,
  privateEndpointIdOf,
  useArmEmulator,
} from '../../../helpers/arm-emulator';
import {
  OTHER_SUB,
  OTHER_TENANT,
  TEST_POLICY,
  TRUSTED_SUBS,
  TRUSTED_TENANT,
} from '../approval/approval-world';
import { FAST_NOTIFY, startSink, useNotifyFixture, waitFor, webhooksSetting } from './notify-harness';

const arm = useArmEmulator();
const notify = useNotifyFixture();
const sink = notify.sink;

/** A PLS with one connection the policy leaves for a person and one it approves. */
function world(name: string) {
  const w = arm.emulator.world;
  w.addSubscription(TRUSTED_SUBS[0] ?? '', TRUSTED_TENANT);
  w.addSubscription(OTHER_SUB, OTHER_TENANT);
  const plsId = plsIdOf(name);
  w.addPrivateLinkService({ id: plsId });
  const manual = w.addConnection({
    plsId,
    privateEndpointId: privateEndpointIdOf(OTHER_SUB, `pe-${name}-manual`),
    requestMessage: 'Please, CHG0000001',
  });
  const approved = w.addConnection({
    plsId,
    privateEndpointId: privateEndpointIdOf(TRUSTED_SUBS[0] ?? '', `pe-${name}-auto`),
    requestMessage: 'CHG0000002',
  });
  return { plsId, manual, approved };
}

function context(): InvocationContext {
  return new InvocationContext({ logHandler: () => {} });
}

const worker = notify.worker;

type Webhooks = Parameters<typeof webhooksSetting>[0];

/** A container for `plsIds` that notifies `webhooks` under TEST_POLICY, with its delivery worker running. */
function notifying(plsIds: readonly string[], webhooks: Webhooks) {
  const container = armTestContainer(arm.emulator, plsIds, {
    APPROVAL_POLICY: TEST_POLICY,
    NOTIFY_WEBHOOKS: webhooksSetting(webhooks),
    ...FAST_NOTIFY,
  });
  return { container, w: worker(container) };
}

async function reconcileOnce(container: Container, plsIds: readonly string[]): Promise<void> {
  await reconcileAll(
    await container.approvalServices(),
    await container.approvalPolicy(),
    [...plsIds],
    1,
    ctx('r'),
  );
}

describe('notification delivery through the outbox, a Storage queue and real webhooks', () => {
  it('tells each webhook once: connection.pending for the manual connection, connection.decided for the approved one, nothing on the next run', async () => {
    const teams = await sink();
    const generic = await sink();
    const { plsId, manual } = world('pls-once');
    const { container } = notifying(
      [plsId],
      [
        { name: 'teams-sink', kind: 'teams', url: teams.url },
        { name: 'generic-sink', kind: 'generic', url: generic.url, events: ['connection.pending'] },
      ],
    );
    const services = await container.approvalServices();
    const policy = await container.approvalPolicy();
    await reconcileAll(services, policy, [plsId], 1, ctx('run-1'));
    await waitFor(() => teams.received.length >= 2 && generic.received.length >= 1, 15_000, 'deliveries');
    await reconcileAll(services, policy, [plsId], 1, ctx('run-2'));
    await handleSweepTimer(context(), container, { graceMs: 0 });
    await new Promise((r) => setTimeout(r, 1500));

    const teamsTypes = teams.received.map((r) => r.headers['x-gatekeeper-event']).sort();
    expect(teamsTypes).toEqual(['connection.decided', 'connection.pending']);
    expect(generic.received).toHaveLength(1);
    const cloudEvent = generic.received[0]?.body as Record<string, unknown>;
    expect(cloudEvent).toMatchObject({
      specversion: '1.0',
      type: 'connection.pending',
      source: '/private-link-gatekeeper/local',
    });
    expect(generic.received[0]?.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    expect(cloudEvent.data).toMatchObject({
      connectionName: manual.name,
      consumerSubscriptionId: OTHER_SUB,
      consumerTenantId: OTHER_TENANT,
      requestMessage: 'Please, CHG0000001',
    });
    const pending = teams.received.find((r) => r.headers['x-gatekeeper-event'] === 'connection.pending');
    const card = (pending?.body as { attachments?: { contentType: string; content: { type: string } }[] })
      ?.attachments?.[0];
    expect(card?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card?.content.type).toBe('AdaptiveCard');

    // The webhook URLs are secrets: no row of any notification table holds one.
    for (const logical of [NOTIFY_TABLES.deliveries, NOTIFY_TABLES.deliveryLog, 'AuditByTime']) {
      const table = await container.table(logical);
      for await (const row of table.listEntities())
        expect(JSON.stringify(row)).not.toContain(`127.0.0.1:${teams.port}`);
    }
  }, 60_000);

  it('a webhook answering 500 then 200 gets the event delivered exactly once, and a duplicate message later sends nothing', async () => {
    const hook = await sink();
    hook.respond = (_r, n) => (n === 1 ? 500 : 200);
    const { plsId } = world('pls-retry');
    const { container, w } = notifying(
      [plsId],
      [{ name: 'ops', kind: 'generic', url: hook.url, events: ['connection.pending'] }],
    );
    await reconcileOnce(container, [plsId]);
    await waitFor(() => w.results.includes('delivered'), 20_000, 'the retried delivery');
    expect(hook.received).toHaveLength(2);
    expect(new Set(hook.received.map((r) => r.headers['x-gatekeeper-delivery'])).size).toBe(1);
    // The retry waited for its backoff (base 1 s) instead of hammering the webhook.
    expect((hook.received[1]?.at ?? 0) - (hook.received[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);

    // A duplicate of the same delivery (a replayed write, or the sweeper) finds it delivered.
    await (await container.notifier())?.enqueue(eventOf(hook.received[1]?.body), ['ops']);
    await waitFor(() => w.results.includes('duplicate'), 10_000, 'the duplicate');
    expect(hook.received).toHaveLength(2);
    const results: string[] = [];
    for await (const row of (await container.table(NOTIFY_TABLES.deliveryLog)).listEntities())
      results.push(`${row.attempt}:${row.result}`);
    expect(results.sort()).toEqual(['1:failed', '2:delivered']);
  }, 60_000);

  it('a webhook that is down for a while gets the event once it is back', async () => {
    const probe = await startSink();
    const port = probe.port;
    await probe.close(); // nothing listens on this port now
    const { plsId } = world('pls-down');
    const { container, w } = notifying(
      [plsId],
      [{ name: 'ops', kind: 'teams', url: `http://127.0.0.1:${port}/hook`, events: ['connection.pending'] }],
    );
    await reconcileOnce(container, [plsId]);
    await waitFor(() => w.results.filter((r) => r === 'retry').length >= 2, 20_000, 'two failed attempts');
    const back = await sink(port);
    await waitFor(() => w.results.includes('delivered'), 30_000, 'delivery after the webhook returned');
    expect(back.received).toHaveLength(1);
    expect(back.received[0]?.headers['x-gatekeeper-event']).toBe('connection.pending');
  }, 60_000);

  it('two instances draining one queue (with every message duplicated) deliver each event once', async () => {
    const hook = await sink();
    const plsIds: string[] = [];
    for (let i = 0; i < 5; i++) plsIds.push(world(`pls-two-${i}`).plsId);
    const env = {
      APPROVAL_POLICY: TEST_POLICY,
      NOTIFY_WEBHOOKS: webhooksSetting([{ name: 'ops', kind: 'generic', url: hook.url }]),
      ...FAST_NOTIFY,
    };
    const a = armTestContainer(arm.emulator, plsIds, env);
    // The second instance: its own container (clients, memo, config) on the same account and prefix.
    const b = armTestContainer(arm.emulator, plsIds, { ...env, TABLE_NAME_PREFIX: a.config.tablePrefix });
    hook.respond = async () => {
      await new Promise((r) => setTimeout(r, 50));
      return 200;
    };
    await reconcileAll(await a.approvalServices(), await a.approvalPolicy(), plsIds, 2, ctx('r'));
    // Every message duplicated before anyone drains, as a sweeper racing the writer would: both
    // instances then hold copies of the same deliveries at the same time.
    const queue = await a.queue(a.config.notify.queueName);
    const { peekedMessageItems } = await queue.peekMessages({ numberOfMessages: 32 });
    expect(peekedMessageItems).toHaveLength(10);
    for (const m of peekedMessageItems) await queue.sendMessage(m.messageText);
    const wa = worker(a);
    const wb = worker(b);
    await waitFor(() => wa.results.length + wb.results.length >= 20, 30_000, 'every message handled');
    const ids = hook.received.map((r) => String(r.body.id));
    expect(ids).toHaveLength(10); // 5 pending + 5 decided
    expect(new Set(ids).size).toBe(10);
    expect(wa.results.length).toBeGreaterThan(0);
    expect(wb.results.length).toBeGreaterThan(0);
  }, 60_000);

  it('a slow webhook (10 s) does not delay the decision path; its delivery still arrives', async () => {
    const hook = await sink();
    hook.respond = async () => {
      await new Promise((r) => setTimeout(r, 10_000));
      return 200;
    };
    const first = world('pls-slow-1');
    const second = world('pls-slow-2');
    const { container, w } = notifying(
      [first.plsId, second.plsId],
      [{ name: 'ops', kind: 'teams', url: hook.url }],
    );
    const services = await container.approvalServices();
    const policy = await container.approvalPolicy();
    await reconcileAll(services, policy, [first.plsId], 1, ctx('warm'));
    await waitFor(() => hook.received.length >= 1, 10_000, 'the webhook to be busy');
    // The webhook is now stalling the worker; deciding the second PLS must not wait for it.
    const started = performance.now();
    const summary = await reconcileAll(services, policy, [second.plsId], 1, ctx('timed'));
    const elapsed = performance.now() - started;
    expect(summary.outcomes.applied).toBe(1);
    expect(elapsed).toBeLessThan(5_000);
    await waitFor(
      () => w.results.filter((r) => r === 'delivered').length >= 4,
      45_000,
      'all four deliveries',
    );
    expect(new Set(hook.received.map((r) => r.headers['x-gatekeeper-delivery'])).size).toBe(4);
  }, 90_000);

  it('an outbox row whose enqueue failed (a crash, a queue outage) is enqueued by the sweeper', async () => {
    const hook = await sink();
    const { plsId, manual } = world('pls-sweep');
    const env = {
      NOTIFY_WEBHOOKS: webhooksSetting([{ name: 'ops', kind: 'generic', url: hook.url }]),
      ...FAST_NOTIFY,
    };
    const container = armTestContainer(arm.emulator, [plsId], env);
    const notifier = await container.notifier();
    if (notifier === null) throw new Error('notifier expected');
    // The writer's queue is down: the audit row and its outbox row are stored, the message is not.
    const broken = new Notifier(
      notifier.targets,
      async () => {
        throw new Error('queue unavailable');
      },
      container.clock,
    );
    const audit = new AuditStore(
      () => container.table('Audit'),
      () => container.table('AuditByTime'),
      new NotificationOutbox(broken),
    );
    await audit.write({
      kind: 'verdict',
      decisionId: 'sweep-1',
      at: new Date(),
      plsId,
      connectionId: `${plsId}/privateEndpointConnections/${manual.name}`,
      connectionName: manual.name,
      privateEndpointId: undefined,
      consumerSubscriptionId: OTHER_SUB,
      consumerTenantId: OTHER_TENANT,
      requestMessage: 'Please',
      statusBefore: 'Pending',
      action: 'manual',
      rule: undefined,
      policyVersion: 'v',
      actor: POLICY_ACTOR,
      description: undefined,
      reason: 'no rule matched; default is manual',
      mode: 'enforce',
      trigger: 'timer',
      correlationId: 'c',
      result: 'manual',
    });
    const w = worker(container);
    await new Promise((r) => setTimeout(r, 500));
    expect(hook.received).toHaveLength(0);
    const swept = await handleSweepTimer(context(), container, { graceMs: 0 });
    expect(swept).toMatchObject({ found: 1, enqueued: 1 });
    await waitFor(() => w.results.includes('delivered'), 10_000, 'the swept delivery');
    expect(hook.received[0]?.body.type).toBe('connection.pending');
    // Published rows are gone: the next sweep finds nothing.
    expect(await handleSweepTimer(context(), container, { graceMs: 0 })).toMatchObject({ found: 0 });
  }, 60_000);
});

function ctx(correlationId: string) {
  return { trigger: 'timer' as const, correlationId, log: silentLog };
}

/** The event back from a CloudEvent, as a duplicate message would carry it. */
function eventOf(body: Record<string, unknown> | undefined): NotifyEvent {
  const b = body ?? {};
  const { summary: _s, dashboardUrl: _d, ...facts } = (b.data ?? {}) as Record<string, unknown>;
  return {
    id: String(b.id),
    type: b.type as NotifyEvent['type'],
    at: String(b.time),
    subject: String(b.subject),
    facts: facts as NotifyEvent['facts'],
  };
}
