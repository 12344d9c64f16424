/**
 * npm run bench:probe-fanout — one probe tick over 1,000 targets on local servers (in a worker thread, standing in for remote hosts) that answer
 * after a random 0–200 ms, with the real engine and real Azurite. Prints wall time, the slowest
 * target, peak RSS/heap and Table Storage requests per target, for several PROBE_CONCURRENCY values.
 * Each target has a fixed true delay (in its path), so every recorded total is compared with it:
 * the inflation is what the engine adds over the server's own wait (median and p95).
 * Usage: node dist/bench/probe-fanout.js [targets=1000] [concurrency list=32,128,512,1000] [modes=burst,spaced]
 */
import { Worker } from 'node:worker_threads';
import type { TableClient } from '@azure/data-tables';
import { InvocationContext, type Timer } from '@azure/functions';
import { startAzurite } from '../emulators/azurite';
import { Container } from '../shared/composition-root';
import { PROBE_TABLES, rawTableLogicalName } from '../shared/probe/storage/probe-tables';
import { probeTick as runProbeTimer } from '../shared/probe/use-cases/run-probes';

const TARGETS = Number(process.argv[2] ?? 1000);
const CONCURRENCIES = (process.argv[3] ?? '32,128,512,1000').split(',').map(Number);
/** 'spaced' is the product's behaviour (starts START_GAP_MS apart); 'burst' starts all at once, as before. */
const MODES = (process.argv[4] ?? 'burst,spaced').split(',') as Array<'burst' | 'spaced'>;
const SERVERS = 4;
const MAX_DELAY_MS = 200;

/** Counts every HTTP request the Table clients send (a batch is one request) without changing behaviour. */
class CountingContainer extends Container {
  requests = 0;
  override async tableClient(fullName: string): Promise<TableClient> {
    const client = await super.tableClient(fullName);
    client.pipeline.addPolicy({
      name: 'bench-request-counter',
      sendRequest: (request, next) => {
        this.requests++;
        return next(request);
      },
    });
    return client;
  }
}

/**
 * The target servers run in a worker thread: in production they are other machines, so their CPU
 * must not be charged to the probe. The worker reports the delays it used, for the slowest target.
 */
const SERVER_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createServer } = require('node:http');
let delays = [];
const servers = [];
let listening = 0;
for (let i = 0; i < workerData.count; i++) {
  const server = createServer((request, response) => {
    // Each target has its own fixed delay in its path, so the bench knows every target's true delay.
    const match = /^\\/delay\\/(\\d+)/.exec(request.url || '');
    const delay = match ? Number(match[1]) : Math.random() * workerData.maxDelayMs;
    delays.push(delay);
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'text/html', server: 'Microsoft-IIS/10.0' });
      response.end('<html><body>IIS Windows Server</body></html>');
    }, delay);
    request.resume();
  });
  server.maxConnections = 10000;
  servers.push(server);
  server.listen(0, '127.0.0.1', 511, () => {
    if (++listening === workerData.count) parentPort.postMessage({ ports: servers.map((s) => s.address().port) });
  });
}
parentPort.on('message', (message) => {
  if (message === 'reset') delays = [];
  if (message === 'delays') parentPort.postMessage({ delays });
  if (message === 'stop') for (const server of servers) { server.closeAllConnections(); server.close(); }
  if (message === 'stop') parentPort.close();
});
`;

interface DelayServers {
  readonly ports: number[];
  reset(): void;
  delays(): Promise<number[]>;
  stop(): Promise<void>;
}

async function startDelayServers(count: number): Promise<DelayServers> {
  const worker = new Worker(SERVER_WORKER, { eval: true, workerData: { count, maxDelayMs: MAX_DELAY_MS } });
  const next = <T>() => new Promise<T>((resolve) => worker.once('message', resolve));
  const { ports } = await next<{ ports: number[] }>();
  return {
    ports,
    reset: () => worker.postMessage('reset'),
    async delays() {
      const answer = next<{ delays: number[] }>();
      worker.postMessage('delays');
      return (await answer).delays;
    },
    async stop() {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('stop');
      await exited;
    },
  };
}

async function main(): Promise<void> {
  const azurite = await startAzurite({ timeoutMs: 180_000 });
  const servers = await startDelayServers(SERVERS);
  const ports = servers.ports;
  const trueDelay = Array.from({ length: TARGETS }, () => Math.floor(Math.random() * (MAX_DELAY_MS + 1)));
  const targets = Array.from({ length: TARGETS }, (_, i) => ({
    id: `t${String(i).padStart(4, '0')}`,
    url: `http://127.0.0.1:${ports[i % SERVERS]}/delay/${trueDelay[i]}`,
    retries: 0,
  }));
  const delayOf = new Map(targets.map((t, i) => [t.id, trueDelay[i] ?? 0]));
  console.log(
    `node ${process.version}, ${TARGETS} targets on ${SERVERS} local servers (0–${MAX_DELAY_MS} ms random delay)`,
  );
  try {
    for (const [concurrency, spacing] of CONCURRENCIES.flatMap((c) => MODES.map((m) => [c, m] as const))) {
      servers.reset();
      const container = new CountingContainer({
        env: {
          AzureWebJobsStorage: azurite.connectionString,
          TABLE_NAME_PREFIX: `bench${concurrency}x${Date.now().toString(36)}`,
          PROBE_TARGETS: JSON.stringify(targets),
          PROBE_CONCURRENCY: String(concurrency),
          PROBE_QUEUE_THRESHOLD: String(TARGETS + 1),
        },
      });
      // Create the tables first, so the tick measures steady state, not first-run table creation.
      for (const t of [
        PROBE_TABLES.latest,
        PROBE_TABLES.rollups,
        PROBE_TABLES.events,
        PROBE_TABLES.runs,
        rawTableLogicalName(new Date()),
      ])
        await container.table(t);
      container.requests = 0;
      global.gc?.();
      const base = process.memoryUsage();
      let peakRss = base.rss;
      let peakHeap = base.heapUsed;
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        peakHeap = Math.max(peakHeap, m.heapUsed);
      }, 20);
      const timer: Timer = {
        isPastDue: false,
        schedule: { adjustForDST: false },
        scheduleStatus: { last: '', next: '', lastUpdated: '' },
      };
      const started = performance.now();
      const summary = await runProbeTimer(timer, new InvocationContext({ logHandler: () => {} }), {
        container,
        // 'burst' is the behaviour before spacing: every start at once.
        ...(spacing === 'burst' ? { startGapMs: 0 } : {}),
      });
      const wallMs = performance.now() - started;
      clearInterval(sampler);
      const slowest = Math.max(...(await servers.delays()));
      const classes: Record<string, number> = {};
      const inflation: number[] = [];
      for (const row of await (await import('../shared/probe/storage/latest')).readAllLatest(container)) {
        if (row.last.failureClass) classes[row.last.failureClass] = (classes[row.last.failureClass] ?? 0) + 1;
        const delay = delayOf.get(row.targetId);
        if (row.last.totalMs !== null && delay !== undefined) inflation.push(row.last.totalMs - delay);
      }
      inflation.sort((a, b) => a - b);
      const at = (q: number) =>
        Number((inflation[Math.floor((inflation.length - 1) * q)] ?? Number.NaN).toFixed(3));
      console.log(
        JSON.stringify({
          concurrency,
          spacing,
          inflationMedianMs: at(0.5),
          inflationP95Ms: at(0.95),
          deadlineMs: summary.deadlineMs,
          probePhaseWithinDeadline: summary.probeMs <= summary.deadlineMs,
          wallMs: Math.round(wallMs),
          probePhaseMs: summary.probeMs,
          writePhaseMs: Math.round(wallMs - summary.probeMs),
          slowestTargetMs: Math.round(slowest),
          budgetMs: `2 x ${Math.round(slowest)} + writes`,
          up: summary.up,
          down: summary.down,
          failureClasses: classes,
          writeErrors: summary.writeErrors,
          tableRequests: container.requests,
          requestsPerTarget: Number((container.requests / TARGETS).toFixed(2)),
          peakRssMB: Math.round(peakRss / 1e6),
          peakHeapMB: Math.round(peakHeap / 1e6),
          heapGrowthMB: Math.round((peakHeap - base.heapUsed) / 1e6),
        }),
      );
    }
  } finally {
    await servers.stop();
    await azurite.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
