import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { watchNewConnections } from '../../../functions/watchNewConnections';
import { WatchStateStore } from '../../../shared/approval/storage/watch-state-store';
import type { Clock } from '../../../shared/clock';
import { type Container, getContainer, setContainer } from '../../../shared/composition-root';
import { featureReports } from '../../../shared/health/feature-report';
import {
  armTestContainer,
  plsIdOf,
  privateEndpointIdOf,
  useArmEmulatorPerTest,
} from '../../helpers/arm-emulator';
import { uniqueTablePrefix } from '../../helpers/storage';

const emulators = useArmEmulatorPerTest();
const CONSUMER = 'c9000000-0000-4000-8000-000000000001';
const OTHER_SUBSCRIPTION = '22222222-2222-2222-2222-222222222222';
const REJECT_ALL = 'version: 1\ndefault: { action: reject, description: "Not on the list" }\n';
const MANUAL_ALL = 'version: 1\ndefault: { action: manual }\n';

const timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

/** A clock the test moves: the pass's period is measured against it. */
function movableClock(start = Date.parse('2026-12-07T10:00:00Z')): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => new Date(now),
    advance(ms) {
      now += ms;
    },
  };
}

async function tick(container: Container): Promise<Record<string, unknown>[]> {
  setContainer(container);
  const lines: string[] = [];
  const context = new InvocationContext({
    invocationId: `watch-${Math.random()}`,
    logHandler: (_level, ...args) => lines.push(args.join(' ')),
  });
  await watchNewConnections.handler(timer, context);
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

function passLine(lines: readonly Record<string, unknown>[]): Record<string, unknown> | undefined {
  return lines.find((l) => l.event === 'approval.watch.pass' || l.event === 'approval.watch.failed');
}

describe('watchNewConnections (timer)', () => {
  it('binds %WATCH_SCHEDULE%', () => {
    expect(watchNewConnections.options.schedule).toBe('%WATCH_SCHEDULE%');
  });

  it('decides a connection that arrived with no event, through the normal path, with one list per subscription', async () => {
    const emulator = await emulators.start();
    const managed = ['pls-a', 'pls-b', 'pls-c'].map((n) => plsIdOf(n));
    const elsewhere = plsIdOf('pls-d', OTHER_SUBSCRIPTION);
    for (const id of [...managed, elsewhere]) emulator.world.addPrivateLinkService({ id });
    // The consumer side's creation without any event (as lab:consumer's endpoint PUT is seen by the provider).
    const connection = emulator.world.addConnection({
      plsId: managed[1] as string,
      privateEndpointId: privateEndpointIdOf(CONSUMER, 'pe-new'),
      requestMessage: 'hello',
    });
    const clock = movableClock();
    const lines = await tick(
      armTestContainer(emulator, [...managed, elsewhere], { APPROVAL_POLICY: REJECT_ALL }, { clock }),
    );
    expect(emulator.world.requireConnection(managed[1] as string, connection.name).status).toBe('Rejected');
    // One subscription list per subscription, not one read per PLS; only the PLS with news is reconciled.
    expect(emulator.requestLog.count('pls.list')).toBe(2);
    expect(emulator.requestLog.count('connection.list')).toBe(1);
    expect(emulator.requestLog.count('pls.get')).toBe(1);
    expect(passLine(lines)).toMatchObject({
      event: 'approval.watch.pass',
      source: 'arm',
      subscriptions: 2,
      reads: 2,
      unsettled: 1,
      handed: 1,
    });
    // Decided: the next pass lists again and hands nothing.
    clock.advance(5_000);
    const next = await tick(
      armTestContainer(
        emulator,
        [...managed, elsewhere],
        { APPROVAL_POLICY: REJECT_ALL, TABLE_NAME_PREFIX: getContainer().config.tablePrefix },
        { clock },
      ),
    );
    expect(passLine(next)).toMatchObject({ reads: 2, unsettled: 0, handed: 0 });
    expect(emulator.requestLog.count('connection.list')).toBe(1);
  });

  it('follows nextLink: every page of the subscription list is read and counted', async () => {
    const emulator = await emulators.start({ pageSize: 2 });
    const ids = ['pls-1', 'pls-2', 'pls-3', 'pls-4', 'pls-5'].map((n) => plsIdOf(n));
    for (const id of ids) emulator.world.addPrivateLinkService({ id });
    const last = emulator.world.addConnection({
      plsId: ids[4] as string,
      privateEndpointId: privateEndpointIdOf(CONSUMER, 'pe-on-the-last-page'),
      requestMessage: 'hello',
    });
    const lines = await tick(
      armTestContainer(emulator, ids, { APPROVAL_POLICY: REJECT_ALL }, { clock: movableClock() }),
    );
    expect(emulator.world.requireConnection(ids[4] as string, last.name).status).toBe('Rejected');
    expect(emulator.requestLog.count('pls.list')).toBe(3);
    // 3 pages, plus 2 reads of the handed PLS, at 10% of 25 reads/s: 2 s.
    expect(passLine(lines)).toMatchObject({ reads: 3, listed: 5, handed: 1, periodMs: 2_000 });
  });

  it('ignores a PLS it does not manage in the same subscription', async () => {
    const emulator = await emulators.start();
    const managed = plsIdOf('pls-ours');
    const foreign = plsIdOf('pls-theirs');
    emulator.world.addPrivateLinkService({ id: managed });
    emulator.world.addPrivateLinkService({ id: foreign });
    const theirs = emulator.world.addConnection({
      plsId: foreign,
      privateEndpointId: privateEndpointIdOf(CONSUMER, 'pe-theirs'),
      requestMessage: 'hello',
    });
    const lines = await tick(
      armTestContainer(emulator, [managed], { APPROVAL_POLICY: REJECT_ALL }, { clock: movableClock() }),
    );
    expect(emulator.world.requireConnection(foreign, theirs.name).status).toBe('Pending');
    expect(emulator.requestLog.count('connection.list')).toBe(0);
    expect(passLine(lines)).toMatchObject({ listed: 1, unsettled: 0, handed: 0 });
  });

  it('does not hand a connection again once it is settled (decided, or left for a person)', async () => {
    const emulator = await emulators.start();
    const pls = plsIdOf('pls-a');
    emulator.world.addPrivateLinkService({ id: pls });
    emulator.world.addConnection({
      plsId: pls,
      privateEndpointId: privateEndpointIdOf(CONSUMER, 'pe-1'),
      requestMessage: 'waits for a person',
    });
    const clock = movableClock();
    const container = armTestContainer(emulator, [pls], { APPROVAL_POLICY: MANUAL_ALL }, { clock });
    expect(passLine(await tick(container))).toMatchObject({ handed: 1 });
    expect(emulator.requestLog.count('connection.list')).toBe(1);
    // The same instance and a fresh one (no memory) both see it settled from the connection record.
    clock.advance(10_000);
    expect(passLine(await tick(container))).toMatchObject({ unsettled: 0, handed: 0 });
    clock.advance(10_000);
    const fresh = armTestContainer(
      emulator,
      [pls],
      { APPROVAL_POLICY: MANUAL_ALL, TABLE_NAME_PREFIX: container.config.tablePrefix },
      { clock },
    );
    expect(passLine(await tick(fresh))).toMatchObject({ unsettled: 0, handed: 0 });
    expect(emulator.requestLog.count('connection.list')).toBe(1);
    expect(emulator.requestLog.count('pls.list')).toBe(3);
  });

  it('two instances ticking together: one pass per period (the claim is guarded by the ETag)', async () => {
    const emulator = await emulators.start();
    const pls = plsIdOf('pls-a');
    emulator.world.addPrivateLinkService({ id: pls });
    const clock = movableClock();
    const prefix = uniqueTablePrefix();
    const env = { APPROVAL_POLICY: REJECT_ALL, TABLE_NAME_PREFIX: prefix };
    const first = armTestContainer(emulator, [pls], env, { clock });
    const second = armTestContainer(emulator, [pls], env, { clock });
    const run = async (container: Container) => {
      const lines: string[] = [];
      const context = new InvocationContext({
        invocationId: `watch-${Math.random()}`,
        logHandler: (_level, ...args) => lines.push(args.join(' ')),
      });
      const { watchNewConnections: pass } = await import(
        '../../../shared/approval/use-cases/watch-new-connections'
      );
      return pass(await container.watchServices(), () => container.approvalPolicy(), {
        correlationId: context.invocationId,
        log: context,
      });
    };
    const outcomes = await Promise.all([run(first), run(second), run(first), run(second)]);
    expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
    expect(emulator.requestLog.count('pls.list')).toBe(1);
    // A period later one of them runs again.
    clock.advance(6_000);
    const later = await Promise.all([run(first), run(second)]);
    expect(later.filter((o) => o.ran)).toHaveLength(1);
    expect(emulator.requestLog.count('pls.list')).toBe(2);
  });

  it('429 from ARM: decides nothing, and waits out Retry-After instead of retrying', async () => {
    const emulator = await emulators.start();
    const pls = plsIdOf('pls-a');
    emulator.world.addPrivateLinkService({ id: pls });
    const connection = emulator.world.addConnection({
      plsId: pls,
      privateEndpointId: privateEndpointIdOf(CONSUMER, 'pe-1'),
      requestMessage: 'hello',
    });
    emulator.faults.script({ kind: 'pls.list' }, [{ type: 'status', status: 429, retryAfterSeconds: 30 }]);
    const clock = movableClock();
    const container = armTestContainer(emulator, [pls], { APPROVAL_POLICY: REJECT_ALL }, { clock });
    expect(passLine(await tick(container))).toMatchObject({
      event: 'approval.watch.failed',
      code: 'arm_throttled',
      handed: 0,
      periodMs: 30_000,
    });
    expect(emulator.requestLog.count('pls.list')).toBe(1);
    expect(emulator.world.requireConnection(pls, connection.name).status).toBe('Pending');
    // The ticks inside Retry-After send nothing.
    for (let i = 0; i < 5; i++) {
      clock.advance(5_000);
      expect(passLine(await tick(container))).toBeUndefined();
    }
    expect(emulator.requestLog.count('pls.list')).toBe(1);
    clock.advance(5_000);
    expect(passLine(await tick(container))).toMatchObject({ event: 'approval.watch.pass', handed: 1 });
    expect(emulator.world.requireConnection(pls, connection.name).status).toBe('Rejected');
    const state = await new WatchStateStore(() => container.table('ReconcileRuns')).get();
    expect(state).toMatchObject({ source: 'arm', errorCode: undefined, handed: 1 });
    // Health shows the last pass, its period (1 list + 2 reads of the handed PLS at 2.5/s) and the
    // list reads per minute it measured (1 read, 30 s after the failed pass before it).
    const approval = (await featureReports(container)).approval;
    expect(approval?.detail).toMatchObject({
      watchMode: 'auto',
      watchSource: 'arm',
      watchLastPassAt: clock.now().toISOString(),
      watchPeriodSeconds: 1.2,
      watchReadsPerMinute: 2,
      watchHandedLastPass: 1,
    });
    expect(approval?.detail?.watchLastPassError).toBeUndefined();
  });

  it("counts against Microsoft.Network's read window like any GET: a spent window backs the pass off", async () => {
    const emulator = await emulators.start({ nrpLimits: { enforce: true, reads: 1, writes: 1000 } });
    const pls = plsIdOf('pls-a');
    emulator.world.addPrivateLinkService({ id: pls });
    const clock = movableClock();
    const container = armTestContainer(emulator, [pls], { APPROVAL_POLICY: REJECT_ALL }, { clock });
    expect(passLine(await tick(container))).toMatchObject({ event: 'approval.watch.pass', reads: 1 });
    clock.advance(5_000);
    const second = passLine(await tick(container));
    expect(second).toMatchObject({ event: 'approval.watch.failed', code: 'arm_throttled' });
    // The window's remaining seconds (about 300) push the next pass out.
    expect(second?.periodMs as number).toBeGreaterThan(200_000);
    expect(emulator.nrpLimits.throttled).toBe(1);
  });

  it('graph mode: one query over the pages, within the quota; a spent quota ends the pass and it backs off', async () => {
    const emulator = await emulators.start({
      graphPageSize: 2,
      graphQuota: { queries: 4, windowMs: 60_000 },
    });
    const ids = ['pls-a', 'pls-b', 'pls-c'].map((n) => plsIdOf(n));
    for (const id of ids) emulator.world.addPrivateLinkService({ id });
    let n = 0;
    for (const id of ids)
      for (let i = 0; i < 2; i++)
        emulator.world.addConnection({
          plsId: id,
          privateEndpointId: privateEndpointIdOf(CONSUMER, `pe-${n++}`),
          requestMessage: 'hello',
        });
    const clock = movableClock();
    const container = armTestContainer(
      emulator,
      ids,
      { APPROVAL_POLICY: REJECT_ALL, WATCH_MODE: 'graph' },
      { clock },
    );
    const first = passLine(await tick(container));
    // 6 Pending rows, 2 per page: 3 queries; 3 queries at 20% of 3/s allow one pass per 5 s.
    expect(first).toMatchObject({ source: 'graph', reads: 3, unsettled: 3, handed: 3, periodMs: 5_000 });
    expect(emulator.requestLog.count('graph.query')).toBe(3);
    expect(emulator.requestLog.count('pls.list')).toBe(0);
    for (const id of ids)
      for (const c of emulator.world.requirePls(id).connections.values()) expect(c.status).toBe('Rejected');
    // New arrivals on every PLS: the next pass needs 3 pages, but only 1 query is left in the window.
    for (const id of ids)
      emulator.world.addConnection({
        plsId: id,
        privateEndpointId: privateEndpointIdOf(CONSUMER, `pe-${n++}`),
        requestMessage: 'hello',
      });
    emulator.world.addConnection({
      plsId: ids[0] as string,
      privateEndpointId: privateEndpointIdOf(CONSUMER, `pe-${n++}`),
      requestMessage: 'hello',
    });
    clock.advance(5_000);
    const second = passLine(await tick(container));
    expect(second).toMatchObject({ event: 'approval.watch.failed', code: 'arm_throttled', handed: 0 });
    expect(second?.periodMs as number).toBeGreaterThanOrEqual(50_000);
    expect(emulator.requestLog.count('graph.query')).toBe(4);
    clock.advance(5_000);
    expect(passLine(await tick(container))).toBeUndefined();
    expect(emulator.requestLog.count('graph.query')).toBe(4);
  });

  it('WATCH_MODE=off sends nothing', async () => {
    const emulator = await emulators.start();
    const pls = plsIdOf('pls-a');
    emulator.world.addPrivateLinkService({ id: pls });
    await tick(armTestContainer(emulator, [pls], { APPROVAL_POLICY: REJECT_ALL, WATCH_MODE: 'off' }));
    expect(emulator.requestLog.count('pls.list')).toBe(0);
    expect(emulator.requestLog.count('graph.query')).toBe(0);
  });

  it('logs a pass that found nothing at debug level (kept out of Application Insights), one that handed something at information', async () => {
    const emulator = await emulators.start();
    const pls = plsIdOf('pls-a');
    emulator.world.addPrivateLinkService({ id: pls });
    const clock = movableClock();
    const container = armTestContainer(emulator, [pls], { APPROVAL_POLICY: REJECT_ALL }, { clock });
    const levelOfPass = async () => {
      setContainer(container);
      const lines: { level: string; entry: Record<string, unknown> }[] = [];
      const context = new InvocationContext({
        invocationId: `watch-${Math.random()}`,
        logHandler: (level, ...args) =>
          lines.push({ level, entry: JSON.parse(args.join(' ')) as Record<string, unknown> }),
      });
      await watchNewConnections.handler(timer, context);
      const pass = lines.find((l) => l.entry.event === 'approval.watch.pass');
      return pass === undefined ? undefined : { level: pass.level, handed: pass.entry.handed };
    };
    expect(await levelOfPass()).toEqual({ level: 'debug', handed: 0 });
    emulator.world.addConnection({
      plsId: pls,
      privateEndpointId: privateEndpointIdOf(CONSUMER, 'pe-late'),
      requestMessage: 'hello',
    });
    clock.advance(5_000);
    expect(await levelOfPass()).toEqual({ level: 'information', handed: 1 });
  });
});
