/*
 * Reconciliation throughput: PLS x connections (10 x 1,000 by default) through the ARM emulator (no
 * injected latency) and Azurite, with the real SDKs. Reports total time, ARM calls by kind, and our
 * overhead: the wall time during which no ARM call was in flight (our code plus Table Storage),
 * per connection; plus time inside Table Storage calls and process CPU per connection.
 *
 * `--limits`: the same reconciliation with the emulator enforcing ARM's documented token buckets
 * (per subscription and principal: reads 250 then 25/s, writes 200 then 10/s) and a policy that
 * decides every connection (1,000 by default: 10 PLS x 100). Reports total time against the lower
 * bound those buckets allow, the 429s ARM had to send, connections left undecided (lost) and any
 * decided twice (more than one accepted PUT).
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { format, parseArgs } from 'node:util';
import type { Timer } from '@azure/functions';
import { type ArmEmulator, startArmEmulator } from '../emulators/arm';
import { startAzurite } from '../emulators/azurite';
import { reconcileConnections } from '../functions/reconcileConnections';
import { reconcileQueuedPls } from '../functions/reconcileQueuedPls';
import { readHostJson, timeSpanSeconds } from '../scripts/local-host/host-json';
import type { HostLogger, InvocationRecord } from '../scripts/local-host/invocation-logger';
import { invoke } from '../scripts/local-host/invoke';
import { type QueuePoller, startQueuePoller } from '../scripts/local-host/queue-poller';
import type { ApprovalServices } from '../shared/approval/use-cases/approval-services';
import { reconcileAll } from '../shared/approval/use-cases/reconcile-all';
import { APPROVAL_TABLES } from '../shared/approval/wiring';
import type { ArmGateway } from '../shared/arm/arm-gateway';
import { ArmMetrics } from '../shared/arm/arm-metrics';
import { Container, setContainer } from '../shared/composition-root';
import type { QueueFunctionDefinition } from '../shared/host/function-definition';
import { silentLog } from '../shared/log';

const TOKEN = 'bench-token';
const PROVIDER_SUB = '11111111-1111-1111-1111-111111111111';
const TRUSTED_TENANT = 'aaaaaaaa-1111-4111-8111-000000000001';
const OTHER_TENANT = 'bbbbbbbb-2222-4222-8222-000000000002';
const SUBS = [
  ['c1000000-0000-4000-8000-000000000001', TRUSTED_TENANT],
  ['c1000000-0000-4000-8000-000000000002', TRUSTED_TENANT],
  ['c2000000-0000-4000-8000-000000000003', OTHER_TENANT],
  ['c3000000-0000-4000-8000-000000000004', undefined],
] as const;

const POLICY = `
version: 1
default: { action: manual }
rules:
  - name: require-ticket
    action: reject
    match: { not: { requestMessage: "CHG\\\\d{7}" } }
  - name: trusted
    action: approve
    match: { consumerTenants: [${TRUSTED_TENANT}], requestMessage: "CHG\\\\d{7}" }
`;

/** Tracks the union of intervals during which at least one call was in flight. */
class InFlight {
  private active = 0;
  private since = 0;
  busyMs = 0;
  calls = 0;
  sumMs = 0;
  async track<T>(work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    if (this.active++ === 0) this.since = started;
    this.calls++;
    try {
      return await work();
    } finally {
      const ended = performance.now();
      this.sumMs += ended - started;
      if (--this.active === 0) this.busyMs += ended - this.since;
    }
  }
}

function timed<T extends object>(target: T, meter: InFlight): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(obj, args);
        return result instanceof Promise ? meter.track(() => result) : result;
      };
    },
  });
}

function seed(emulator: ArmEmulator, plsCount: number, perPls: number): string[] {
  const world = emulator.world;
  for (const [sub, tenant] of SUBS) if (tenant !== undefined) world.addSubscription(sub, tenant);
  const ids: string[] = [];
  let n = 0;
  for (let p = 0; p < plsCount; p++) {
    const id = `/subscriptions/${PROVIDER_SUB}/resourceGroups/rg-provider/providers/Microsoft.Network/privateLinkServices/pls-${p}`;
    world.addPrivateLinkService({ id });
    ids.push(id);
    for (let i = 0; i < perPls; i++, n++) {
      const sub = SUBS[n % SUBS.length]?.[0] ?? '';
      world.addConnection({
        plsId: id,
        privateEndpointId: `/subscriptions/${sub}/resourceGroups/rg-consumer/providers/Microsoft.Network/privateEndpoints/pe-${n}`,
        requestMessage: n % 5 === 0 ? 'please let us in' : `change CHG${String(n).padStart(7, '0')}`,
      });
    }
  }
  return ids;
}

/** Every connection decided: approve the trusted tenant with a ticket, reject everything else. */
const LIMITS_POLICY = `
version: 1
default: { action: reject }
rules:
  - name: trusted
    action: approve
    match: { consumerTenants: [${TRUSTED_TENANT}], requestMessage: "CHG\\\\d{7}" }
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      pls: { type: 'string' },
      connections: { type: 'string' },
      concurrency: { type: 'string', default: '4' },
      limits: { type: 'boolean', default: false },
      budget: { type: 'string' },
    },
  });
  if (values.limits) {
    await limitsMode({
      plsCount: Number(values.pls ?? '10'),
      perPls: Number(values.connections ?? '100'),
      concurrency: Number(values.concurrency),
      budgetSeconds: values.budget,
    });
    return;
  }
  const plsCount = Number(values.pls ?? '10');
  const perPls = Number(values.connections ?? '1000');
  const azurite = await startAzurite();
  const emulator = await startArmEmulator({ expectedToken: TOKEN, lroDurationMs: 5 });
  try {
    const plsIds = seed(emulator, plsCount, perPls);
    const metrics = new ArmMetrics();
    const container = new Container({
      env: {
        AzureWebJobsStorage: azurite.connectionString,
        ARM_ENDPOINT: emulator.url,
        PLS_RESOURCE_IDS: plsIds.join(','),
        APPROVAL_POLICY: POLICY,
        RECONCILE_CONCURRENCY: String(values.concurrency),
        TABLE_NAME_PREFIX: 'bench',
      },
      armCredential: { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) },
      armGateway: { metrics },
    });
    const base = await container.approvalServices();
    const policy = await container.approvalPolicy();
    const arm = new InFlight();
    const storage = new InFlight();
    const services: ApprovalServices = {
      ...base,
      arm: timed<ArmGateway>(base.arm, arm),
      audit: timed(base.audit, storage),
      claims: timed(base.claims, storage),
      records: timed(base.records, storage),
      drift: timed(base.drift, storage),
      tenants: timed(base.tenants, storage),
    };
    // Warm up connections and table creation outside the measured run.
    await Promise.all(
      (['audit', 'auditByTime', 'claims', 'connections', 'drift', 'tenantCache'] as const).map((t) =>
        container.table(APPROVAL_TABLES[t]),
      ),
    );
    metrics.reset();
    emulator.requestLog.clear();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const summary = await reconcileAll(services, policy, plsIds, Number(values.concurrency), {
      trigger: 'timer',
      correlationId: 'bench',
      log: silentLog,
    });
    const totalMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const n = summary.connections;
    const m = metrics.snapshot();
    const emulatorMs = emulator.requestLog.entries.reduce((s, e) => s + e.durationMs, 0);
    const report = {
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
      shape: {
        privateLinkServices: plsCount,
        connectionsPerPls: perPls,
        connections: n,
        concurrency: Number(values.concurrency),
      },
      outcomes: summary.outcomes,
      totalMs: Math.round(totalMs),
      connectionsPerSecond: Math.round((n / totalMs) * 1000),
      armRequestsByKind: m.requests,
      armRetries: m.retries,
      armCallsInGateway: arm.calls,
      armBusyWallMs: Math.round(arm.busyMs),
      overheadOutsideArmMsPerConnection: Number(((totalMs - arm.busyMs) / n).toFixed(3)),
      storageCalls: storage.calls,
      storageCallTimeSumMs: Math.round(storage.sumMs),
      storageBusyWallMs: Math.round(storage.busyMs),
      processCpuMsPerConnection: Number(((cpu.user + cpu.system) / 1000 / n).toFixed(3)),
      emulatorHandlerMsSum: Math.round(emulatorMs),
    };
    // A second run over the same, now decided, connections: the steady state of every timer tick.
    metrics.reset();
    const steadyStarted = performance.now();
    const steady = await reconcileAll(services, policy, plsIds, Number(values.concurrency), {
      trigger: 'timer',
      correlationId: 'bench-2',
      log: silentLog,
    });
    const steadyState = {
      totalMs: Math.round(performance.now() - steadyStarted),
      applied: steady.outcomes.applied,
      armRequestsByKind: metrics.snapshot().requests,
    };
    process.stdout.write(`${JSON.stringify({ ...report, steadyState })}\n`);
  } finally {
    await emulator.stop();
    await azurite.stop();
  }
}

/** The function timeout host.json sets (what the host allows one invocation). */
function functionTimeoutMs(): number {
  const hostJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'host.json'), 'utf8')) as {
    functionTimeout?: string;
  };
  const seconds =
    hostJson.functionTimeout === undefined ? undefined : timeSpanSeconds(hostJson.functionTimeout);
  if (seconds === undefined) throw new Error('host.json has no functionTimeout the bench can read');
  return seconds * 1000;
}

interface LimitsShape {
  readonly plsCount: number;
  readonly perPls: number;
  readonly concurrency: number;
  /** RECONCILE_TIME_BUDGET_SECONDS; undefined: the product's default. */
  readonly budgetSeconds: string | undefined;
}

/**
 * The timer invocation as the host runs it, then the queue trigger draining the continuations it
 * left (the local host's poller on a real Azurite queue), until no work item is left and none runs.
 */
async function limitsMode(shape: LimitsShape): Promise<void> {
  const { plsCount, perPls, concurrency } = shape;
  const azurite = await startAzurite();
  const emulator = await startArmEmulator({
    expectedToken: TOKEN,
    lroDurationMs: 5,
    rateLimits: { enforce: true },
  });
  let poller: QueuePoller | undefined;
  try {
    const plsIds = seed(emulator, plsCount, perPls);
    const metrics = new ArmMetrics();
    const env: Record<string, string> = {
      AzureWebJobsStorage: azurite.connectionString,
      ARM_ENDPOINT: emulator.url,
      PLS_RESOURCE_IDS: plsIds.join(','),
      APPROVAL_POLICY: LIMITS_POLICY,
      RECONCILE_CONCURRENCY: String(concurrency),
      RECONCILE_QUEUE_NAME: 'bench-limits',
      TABLE_NAME_PREFIX: 'benchlimits',
      ...(shape.budgetSeconds !== undefined ? { RECONCILE_TIME_BUDGET_SECONDS: shape.budgetSeconds } : {}),
    };
    const container = new Container({
      env,
      armCredential: { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) },
      armGateway: { metrics },
    });
    setContainer(container);
    const timeoutMs = functionTimeoutMs();
    const budgetMs = container.config.approval.reconcileTimeBudgetSeconds * 1000;
    await Promise.all([
      ...Object.values(APPROVAL_TABLES).map((t) => container.table(t)),
      container.approvalServices(),
      container.approvalPolicy(),
    ]);
    const queue = await container.queue(container.config.approval.reconcileQueueName);
    emulator.requestLog.clear();

    const invocations: InvocationRecord[] = [];
    const logger: HostLogger = {
      invocation: (record) => invocations.push(record),
      functionLog: (_name, _id, level, args) => {
        if (level === 'error' || level === 'critical') process.stderr.write(`${format(...args)}\n`);
      },
      info: () => {},
      warn: (message) => process.stderr.write(`warning: ${message}\n`),
      error: (message) => process.stderr.write(`error: ${message}\n`),
    };
    let running = 0;
    let lastEnd = 0;
    // The host's queue trigger, counting the invocations in progress so the end of the work is known.
    const counted: QueueFunctionDefinition = {
      ...reconcileQueuedPls,
      handler: async (message, context) => {
        running += 1;
        try {
          await reconcileQueuedPls.handler(message, context);
        } finally {
          running -= 1;
          lastEnd = Date.now();
        }
      },
    };
    poller = await startQueuePoller(
      counted,
      env,
      logger,
      readHostJson(join(__dirname, '..', '..', 'host.json')).queues,
    );

    const startedAt = Date.now();
    const timer: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: true },
      scheduleStatus: {
        last: new Date(0).toISOString(),
        next: new Date(0).toISOString(),
        lastUpdated: new Date().toISOString(),
      },
    };
    await invoke({
      logger,
      functionName: reconcileConnections.name,
      trigger: 'timer',
      detail: 'bench',
      run: (context) => reconcileConnections.handler(timer, context),
    });
    const timerEnd = Date.now();
    // Done when the queue holds no item (received ones count until deleted) and no invocation runs.
    for (let quiet = 0; quiet < 2; ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const { approximateMessagesCount = 0 } = await queue.getProperties();
      quiet = approximateMessagesCount === 0 && running === 0 ? quiet + 1 : 0;
    }
    const endedAt = Math.max(timerEnd, lastEnd);
    await poller.stop();
    poller = undefined;
    const totalMs = endedAt - startedAt;

    const log = emulator.requestLog.entries.filter((e) => e.authenticated);
    const accepted = log.filter((e) => e.status !== 429);
    const reads = accepted.filter((e) => e.method === 'GET').length;
    const puts = accepted.filter((e) => e.method === 'PUT');
    const writes = puts.length;
    const throttled = log.filter((e) => e.status === 429).length;
    const limits = emulator.rateLimits;
    const bound = (count: number, limit: { burst: number; refillPerSecond: number }) =>
      (Math.max(0, count - limit.burst) / limit.refillPerSecond) * 1000;
    const readBoundMs = bound(reads, limits.limit('reads'));
    const writeBoundMs = bound(writes, limits.limit('writes'));
    const lowerBoundMs = Math.max(readBoundMs, writeBoundMs);
    const putsPerConnection = new Map<string, number>();
    for (const e of puts) {
      if (e.status !== 200) continue;
      const name = decodeURIComponent(new URL(e.path, emulator.url).pathname.split('/').at(-1) ?? '');
      putsPerConnection.set(name.toLowerCase(), (putsPerConnection.get(name.toLowerCase()) ?? 0) + 1);
    }
    const decidedTwice = [...putsPerConnection.values()].filter((n) => n > 1).length;
    const stillPending = plsIds.reduce(
      (sum, id) =>
        sum +
        [...(emulator.world.privateLinkService(id)?.connections.values() ?? [])].filter(
          (c) => c.status === 'Pending',
        ).length,
      0,
    );
    // Where the time above the bound goes: before the first PUT, between the PUTs beyond what the
    // buckets demand, and after the last one.
    const firstPut = puts[0]?.at ?? startedAt;
    const lastPut = puts.at(-1)?.at ?? startedAt;
    const overhead = {
      beforeFirstPutMs: firstPut - startedAt,
      putSpanOverBoundMs: Math.round(lastPut - firstPut - writeBoundMs),
      afterLastPutMs: endedAt - lastPut,
    };
    const longest = invocations.reduce((max, r) => Math.max(max, r.durationMs), 0);
    const m = metrics.snapshot();
    const over = lowerBoundMs === 0 ? null : totalMs / lowerBoundMs - 1;
    const report = {
      mode: 'limits',
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, load: loadavg()[0] },
      shape: {
        privateLinkServices: plsCount,
        connectionsPerPls: perPls,
        connections: plsCount * perPls,
        concurrency,
      },
      limits: { reads: limits.limit('reads'), writes: limits.limit('writes') },
      totalMs,
      lowerBoundMs: Math.round(lowerBoundMs),
      overLowerBound: over === null ? null : Number(over.toFixed(3)),
      overhead,
      acceptedRequests: { reads, writes },
      throttled429: throttled,
      lost: stillPending,
      decidedTwice,
      pacedRequests: m.pacedRequests,
      pacingWaitMs: Math.round(m.pacingWaitMs),
      retries: m.retries,
      functionTimeoutMs: timeoutMs,
      timeBudgetMs: budgetMs,
      invocations: {
        count: invocations.length,
        timer: invocations.filter((r) => r.trigger === 'timer').length,
        queue: invocations.filter((r) => r.trigger === 'storageQueue').length,
        failed: invocations.filter((r) => r.outcome !== 'succeeded').length,
        longestMs: Math.round(longest),
        overTimeout: invocations.filter((r) => r.durationMs > timeoutMs).length,
      },
    };
    const percent = over === null ? 'n/a' : `${over >= 0 ? '+' : ''}${(over * 100).toFixed(1)} %`;
    process.stdout.write(
      `${[
        `limits on: ${plsCount * perPls} connections in ${(totalMs / 1000).toFixed(1)} s; bucket lower bound ${(lowerBoundMs / 1000).toFixed(1)} s (${percent})`,
        `  before the first PUT ${(overhead.beforeFirstPutMs / 1000).toFixed(1)} s, PUT span over the bound ${(overhead.putSpanOverBoundMs / 1000).toFixed(1)} s, after the last PUT ${(overhead.afterLastPutMs / 1000).toFixed(1)} s`,
        `  invocations ${invocations.length} (1 timer + ${report.invocations.queue} queue), longest ${(longest / 1000).toFixed(1)} s vs timeout ${timeoutMs / 1000} s (budget ${budgetMs / 1000} s)`,
        `  429s ${throttled}; lost ${stillPending}; decided twice ${decidedTwice}; retries ${JSON.stringify(m.retries)}`,
      ].join('\n')}\n`,
    );
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await poller?.stop();
    setContainer(undefined);
    await emulator.stop();
    await azurite.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
