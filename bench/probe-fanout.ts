/**
 * npm run bench:probe-fanout — one probe tick over 1,000 targets on local servers that answer
 * after a random 0–200 ms, with the real engine and real Azurite. Prints wall time, the slowest
 * target, peak RSS/heap and Table Storage requests per target, for several PROBE_CONCURRENCY values.
 * Usage: node dist/bench/probe-fanout.js [targets=1000] [concurrency list=32,128,512,1000]
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TableClient } from '@azure/data-tables';
import { InvocationContext, type Timer } from '@azure/functions';
import { startAzurite } from '../emulators/azurite';
import { Container } from '../shared/composition-root';
import { runProbeTimer } from '../shared/probe/run-probes';

const TARGETS = Number(process.argv[2] ?? 1000);
const CONCURRENCIES = (process.argv[3] ?? '32,128,512,1000').split(',').map(Number);
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

async function startDelayServer(delays: number[]): Promise<Server> {
  const server = createServer((request, response) => {
    const delay = Math.random() * MAX_DELAY_MS;
    delays.push(delay);
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'text/html', server: 'Microsoft-IIS/10.0' });
      response.end('<html><body>IIS Windows Server</body></html>');
    }, delay);
    request.resume();
  });
  server.maxConnections = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 511, resolve));
  return server;
}

async function main(): Promise<void> {
  const azurite = await startAzurite({ timeoutMs: 60_000 });
  const delays: number[] = [];
  const servers = await Promise.all(Array.from({ length: SERVERS }, () => startDelayServer(delays)));
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  const targets = Array.from({ length: TARGETS }, (_, i) => ({
    id: `t${String(i).padStart(4, '0')}`,
    url: `http://127.0.0.1:${ports[i % SERVERS]}/`,
    retries: 0,
  }));
  console.log(
    `node ${process.version}, ${TARGETS} targets on ${SERVERS} local servers (0–${MAX_DELAY_MS} ms random delay)`,
  );
  try {
    for (const concurrency of CONCURRENCIES) {
      delays.length = 0;
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
        'ProbeLatest',
        'ProbeRollups',
        'ProbeEvents',
        'ProbeRuns',
        `ProbeResults${new Date().toISOString().slice(0, 7).replace('-', '')}`,
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
      });
      const wallMs = performance.now() - started;
      clearInterval(sampler);
      const slowest = Math.max(...delays);
      const classes: Record<string, number> = {};
      for (const row of await (await import('../shared/probe/tables/latest')).readAllLatest(container))
        if (row.last.failureClass) classes[row.last.failureClass] = (classes[row.last.failureClass] ?? 0) + 1;
      console.log(
        JSON.stringify({
          concurrency,
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
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await azurite.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
