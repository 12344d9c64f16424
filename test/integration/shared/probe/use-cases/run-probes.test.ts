import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../../../../shared/clock';
import { Container } from '../../../../../shared/composition-root';
import { probeHttpTarget } from '../../../../../shared/probe/adapters/http-probe';
import type { ProbeRunner } from '../../../../../shared/probe/core/types';
import { readEvents } from '../../../../../shared/probe/storage/events';
import { readAllLatest } from '../../../../../shared/probe/storage/latest';
import { PROBE_TABLES } from '../../../../../shared/probe/storage/probe-tables';
import { readRollups } from '../../../../../shared/probe/storage/rollups';
import { runLogRowKey } from '../../../../../shared/probe/storage/run-log';
import { readBurnStates } from '../../../../../shared/probe/storage/slo-alerts';
import { MAX_START_GAP_MS } from '../../../../../shared/probe/use-cases/fan-out';
import {
  probeTick as runProbeTimer,
  probeQueuedTarget as runQueuedProbe,
} from '../../../../../shared/probe/use-cases/run-probes';
import { dayKey } from '../../../../../shared/storage/table-keys';
import {
  FAST_ARM_GATEWAY,
  PROVIDER_SUBSCRIPTION,
  plsIdOf,
  privateEndpointIdOf,
  staticArmCredential,
  useArmEmulator,
} from '../../../../helpers/arm-emulator';
import { startDnsServer, type TestDnsServer } from '../../../../helpers/dns-server';
import { type ProbeTestServer, refusedPort, startProbeServer } from '../../../../helpers/probe-servers';
import { azuriteConnectionString, uniqueTablePrefix } from '../../../../helpers/storage';

const arm = useArmEmulator();
let server: ProbeTestServer;
let closedPort: number;
beforeAll(async () => {
  server = await startProbeServer();
  closedPort = await refusedPort();
});
afterAll(async () => {
  await server.close();
});

function timer(isPastDue = false): Timer {
  return {
    isPastDue,
    schedule: { adjustForDST: false },
    scheduleStatus: {
      last: '2026-11-03T09:59:00.000Z',
      next: '2026-11-03T10:01:00.000Z',
      lastUpdated: '2026-11-03T09:59:00.000Z',
    },
  };
}

function logs() {
  const lines: { level: string; text: string }[] = [];
  const context = new InvocationContext({
    logHandler: (level, ...args) => lines.push({ level, text: args.map(String).join(' ') }),
  });
  return { context, lines };
}

/** A clock that follows real time from a chosen start, so deadlines and writes behave as in a real tick. */
function clockFrom(startIso: string): Clock {
  const offset = Date.parse(startIso) - Date.now();
  return { now: () => new Date(Date.now() + offset) };
}

function container(
  targets: unknown,
  env: Record<string, string> = {},
  clock = clockFrom('2026-11-03T10:00:00.400Z'),
) {
  return new Container({
    env: {
      AzureWebJobsStorage: azuriteConnectionString(),
      TABLE_NAME_PREFIX: uniqueTablePrefix(),
      PROBE_TARGETS: JSON.stringify(targets),
      ARM_ENDPOINT: arm.emulator.url,
      ...env,
    },
    clock,
    armCredential: staticArmCredential(),
    armGateway: FAST_ARM_GATEWAY,
  });
}

describe('probe timer run against real local servers and Azurite', () => {
  it('probes every target inline, writes raw/latest/rollups/events and a run log row, and labels a failure with its connection state', async () => {
    const plsId = plsIdOf('pls-web');
    arm.emulator.world.addPrivateLinkService({ id: plsId });
    const peId = privateEndpointIdOf('22222222-2222-2222-2222-222222222222', 'pe-web');
    const connection = arm.emulator.world.addConnection({
      plsId,
      privateEndpointId: peId,
      status: 'Pending',
    });
    const c = container([
      { id: 'ok', url: server.url('/') },
      { id: 'slow', url: server.url('/slow/150'), latencySloMs: 50 },
      {
        id: 'refused',
        url: `http://127.0.0.1:${closedPort}/`,
        retries: 0,
        dependsOn: connection.id ?? `${plsId}/privateEndpointConnections/${connection.name}`,
      },
      { id: 'bad-status', url: server.url('/status/503'), retries: 0 },
    ]);
    const { context, lines } = logs();
    const summary = await runProbeTimer(timer(true), context, { container: c });

    expect(summary).toMatchObject({
      mode: 'inline',
      targets: 4,
      up: 1,
      degraded: 1,
      down: 2,
      writeErrors: 0,
      stateChanges: 4,
    });
    expect(summary.scheduledAt.toISOString()).toBe('2026-11-03T10:00:00.000Z');
    expect(summary.deadlineMs).toBe(48_000);

    const latest = Object.fromEntries((await readAllLatest(c)).map((l) => [l.targetId, l]));
    expect(latest.ok?.record.state).toBe('UP');
    expect(latest.slow?.record.state).toBe('DEGRADED');
    expect(latest.refused?.last).toMatchObject({
      status: 'DOWN',
      failureClass: 'TCP_REFUSED',
      connectionState: 'Pending',
    });
    expect(latest['bad-status']?.last).toMatchObject({ failureClass: 'HTTP_STATUS', statusCode: 503 });
    const [event] = await readEvents(c, 'refused');
    expect(event).toMatchObject({ from: 'UNKNOWN', to: 'DOWN', connectionState: 'Pending' });
    const [hour] = await readRollups(
      c,
      'refused',
      'hour',
      new Date('2026-11-03T10:00:00Z'),
      new Date('2026-11-03T11:00:00Z'),
    );
    // A failure while the connection waits for approval is the connection's, not the service's:
    // counted apart, out of availability and of the failure classes (docs/probe.md).
    expect(hour?.rollup).toMatchObject({ count: 1, down: 0, notApproved: 1 });
    expect(hour?.rollup.errors.TCP_REFUSED).toBe(0);

    const runs = await c.table(PROBE_TABLES.runs);
    const row = await runs.getEntity(dayKey(summary.scheduledAt), runLogRowKey(summary.scheduledAt, 'timer'));
    expect(row).toMatchObject({ isPastDue: true, targets: 4, up: 1, down: 2, mode: 'inline' });
    expect(row.delayMs).toBeGreaterThanOrEqual(400);

    expect(lines.filter((l) => l.level === 'warning' && l.text.includes('probe.stateChange'))).toHaveLength(
      4,
    );
    // A past-due run is logged as a warning, so a late probe is never silent.
    expect(
      lines.some(
        (l) =>
          l.level === 'warning' &&
          l.text.includes('"event":"probe.run"') &&
          l.text.includes('"isPastDue":true'),
      ),
    ).toBe(true);
  });

  it('spaces the starts of an inline run and never starts one before its slot', async () => {
    const c = container([
      { id: 'a', url: server.url('/') },
      { id: 'b', url: server.url('/') },
      { id: 'c', url: server.url('/') },
    ]);
    const starts: number[] = [];
    const runner: ProbeRunner = async (target, run) => {
      starts.push(performance.now());
      return probeHttpTarget(target, run);
    };
    await runProbeTimer(timer(), logs().context, { container: c, runner, startGapMs: 40 });
    // A timer never fires early, so starts are one and two gaps after the run began; the first
    // start itself may lag the run's origin a little, hence the slack.
    expect(starts).toHaveLength(3);
    expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(30);
    expect((starts[2] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(70);
    // Without an explicit gap the run spreads its starts over its window, at most MAX_START_GAP_MS
    // apart: two targets with a whole minute's window start exactly that far apart.
    const c2 = container([
      { id: 'a', url: server.url('/') },
      { id: 'b', url: server.url('/') },
    ]);
    starts.length = 0;
    await runProbeTimer(timer(), logs().context, {
      container: c2,
      runner,
    });
    expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(MAX_START_GAP_MS - 10);
  });

  it('marks results inside a maintenance window and keeps them out of availability and state', async () => {
    const c = container([
      {
        id: 'maint',
        url: `http://127.0.0.1:${closedPort}/`,
        retries: 0,
        maintenance: [{ cron: '0 0 10 * * *', durationMinutes: 30, timeZone: 'UTC' }],
      },
    ]);
    const summary = await runProbeTimer(timer(), logs().context, { container: c });
    expect(summary).toMatchObject({ maintenance: 1, down: 0, stateChanges: 0 });
    const [latest] = await readAllLatest(c);
    expect(latest?.record.state).toBe('UNKNOWN');
    expect(latest?.last.inMaintenance).toBe(true);
    const [hour] = await readRollups(
      c,
      'maint',
      'hour',
      new Date('2026-11-03T10:00:00Z'),
      new Date('2026-11-03T11:00:00Z'),
    );
    expect(hour?.rollup).toMatchObject({ count: 1, maintenance: 1, down: 0 });
  });

  it('records a run row and fails loudly when the targets document is invalid', async () => {
    const c = container([{ id: 'x', url: 'ftp://nope' }]);
    const { context, lines } = logs();
    await expect(runProbeTimer(timer(), context, { container: c })).rejects.toMatchObject({
      code: 'config_invalid',
    });
    const runs = await c.table(PROBE_TABLES.runs);
    const row = await runs.getEntity('20261103', runLogRowKey(new Date('2026-11-03T10:00:00Z'), 'timer'));
    expect(String(row.loadError)).toContain('targets[0].url');
    expect(lines.some((l) => l.level === 'error')).toBe(true);
  });

  it('queue mode: enqueues one base64 message per target; the queue handler probes and records it', async () => {
    const targets = [
      { id: 'q1', url: server.url('/') },
      { id: 'q2', url: server.url('/slow/20') },
      { id: 'q3', url: `http://127.0.0.1:${closedPort}/`, retries: 0 },
    ];
    const c = container(targets, {
      PROBE_QUEUE_THRESHOLD: '2',
      PROBE_QUEUE_NAME: `q${uniqueTablePrefix().slice(1)}`,
    });
    const summary = await runProbeTimer(timer(), logs().context, { container: c });
    expect(summary).toMatchObject({ mode: 'queue', targets: 3, enqueued: 3 });
    expect(await readAllLatest(c)).toHaveLength(0);

    const queue = await c.queue(c.config.probe.queueName);
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
    expect(receivedMessageItems).toHaveLength(3);
    for (const item of receivedMessageItems) {
      // As the host hands it over: base64 decoded, JSON parsed.
      const message: unknown = JSON.parse(Buffer.from(item.messageText, 'base64').toString('utf8'));
      const outcome = await runQueuedProbe(message, logs().context, { container: c });
      expect(outcome?.outcome?.rollup).toBe('counted');
      // At-least-once: a redelivered message records the same run again, without double counting.
      const again = await runQueuedProbe(item.messageText, logs().context, { container: c });
      expect(again?.outcome?.rollup).toBe('duplicate');
      await queue.deleteMessage(item.messageId, item.popReceipt);
    }
    const latest = Object.fromEntries((await readAllLatest(c)).map((l) => [l.targetId, l.last.status]));
    expect(latest).toEqual({ q1: 'UP', q2: 'UP', q3: 'DOWN' });
    const [day] = await readRollups(
      c,
      'q3',
      'day',
      new Date('2026-11-03T00:00:00Z'),
      new Date('2026-11-04T00:00:00Z'),
    );
    expect(day?.rollup).toMatchObject({ count: 1, down: 1 });
  });

  it('queue mode: drops a stale message and one for a target no longer configured, with a warning', async () => {
    const c = container([{ id: 'q1', url: server.url('/') }], {}, clockFrom('2026-11-03T10:05:00Z'));
    const stale = logs();
    expect(
      await runQueuedProbe(
        { targetId: 'q1', scheduledAt: '2026-11-03T10:00:00.000Z', runId: 'r' },
        stale.context,
        { container: c },
      ),
    ).toBeNull();
    expect(stale.lines.some((l) => l.text.includes('probe.queue.stale'))).toBe(true);
    const gone = logs();
    expect(
      await runQueuedProbe(
        { targetId: 'gone', scheduledAt: '2026-11-03T10:05:00.000Z', runId: 'r' },
        gone.context,
        { container: c },
      ),
    ).toBeNull();
    expect(gone.lines.some((l) => l.text.includes('probe.queue.unknownTarget'))).toBe(true);
  });
});

void PROVIDER_SUBSCRIPTION;

describe('tcp and dns targets in a run', () => {
  let dns: TestDnsServer;
  beforeAll(async () => {
    dns = await startDnsServer({ zone: { 'web.privatelink.test': { A: ['203.0.113.10'] } } });
  });
  afterAll(async () => {
    await dns.close();
  });

  it('probes each kind with the product engine and stores, rolls up and summarises them like http results', async () => {
    const c = container([
      { id: 'port', kind: 'tcp', host: '127.0.0.1', port: server.port, retries: 0 },
      {
        id: 'record',
        kind: 'dns',
        name: 'web.privatelink.test',
        resolver: dns.resolver,
        expectedAnswers: ['10.0.0.5'],
        retries: 0,
      },
    ]);
    // No runner given: the run loads the product's engine, which picks the attempt by kind.
    const summary = await runProbeTimer(timer(), logs().context, { container: c });
    expect(summary).toMatchObject({ targets: 2, up: 1, down: 1, writeErrors: 0 });
    const latest = Object.fromEntries((await readAllLatest(c)).map((l) => [l.targetId, l]));
    expect(latest.port?.record.state).toBe('UP');
    expect(latest.port?.url).toBe(`tcp://127.0.0.1:${server.port}`);
    expect(latest.port?.last).toMatchObject({ status: 'UP', statusCode: null });
    expect(latest.record?.last).toMatchObject({ status: 'DOWN', failureClass: 'DNS_MISMATCH' });
    const [hour] = await readRollups(
      c,
      'record',
      'hour',
      new Date('2026-11-03T10:00:00Z'),
      new Date('2026-11-03T11:00:00Z'),
    );
    expect(hour?.rollup).toMatchObject({ count: 1, down: 1 });
    expect(hour?.rollup.errors.DNS_MISMATCH).toBe(1);
  });
});

describe('burn-rate evaluation in the timer run', () => {
  it('a target with an slo is judged after its run is recorded (its alert rows exist); one without is not', async () => {
    const c = container([
      { id: 'with-slo', url: server.url('/status/503'), retries: 0, slo: { availability: 99 } },
      { id: 'without', url: server.url('/status/503'), retries: 0 },
    ]);
    const { context, lines } = logs();
    await runProbeTimer(timer(true), context, { container: c });
    // One counted DOWN run out of one burns at 100x over every window: each rule fires at once.
    const states = await readBurnStates(c, 'with-slo');
    expect([...states.keys()].sort()).toEqual(['page-fast', 'page-slow', 'ticket']);
    expect([...states.values()].every((s) => s.firingSince !== null)).toBe(true);
    expect((await readBurnStates(c, 'without')).size).toBe(0);
    expect(
      lines.some((l) => l.text.includes('"event":"probe.slo.burn"') && l.text.includes('with-slo')),
    ).toBe(true);
  });
});
