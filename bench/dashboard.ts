/*
 * Dashboard read cost: with 30 days x 1-minute results for 10 targets in Azurite (seeded as in the
 * tests: rollups for the month, raw rows for the last hours), the time of the summary route and of
 * the series routes over real HTTP (local host), and the Table Storage entities each call reads,
 * counted on the wire by a proxy in front of Azurite. Target: < 300 ms median for the summary and
 * the 30-day series, and no raw-row read for any range over a day.
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { startAzurite } from '../emulators/azurite';
import { Container, setContainer } from '../shared/composition-root';
import { PROBE_TABLES } from '../shared/probe/storage/probe-tables';
import { serveHttpFunctions } from '../test/helpers/http-functions';
import { seedProbeData } from '../test/helpers/seed-probe-data';
import { startTableTraffic, type TrafficSnapshot } from '../test/helpers/table-traffic';

interface Figures {
  readonly name: string;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly requests: number;
  readonly entities: number;
  readonly rawEntities: number;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '30' },
      targets: { type: 'string', default: '10' },
      days: { type: 'string', default: '30' },
    },
  });
  const runs = Number(values.runs);
  const azurite = await startAzurite({ timeoutMs: 60_000 });
  const traffic = await startTableTraffic(azurite.connectionString);
  try {
    const env = { TABLE_NAME_PREFIX: 'bench', AUTH_MODE: 'dev' };
    const seedStart = performance.now();
    const seed = await seedProbeData(
      new Container({ env: { ...env, AzureWebJobsStorage: azurite.connectionString } }),
      {
        targets: Number(values.targets),
        days: Number(values.days),
      },
    );
    const seedMs = performance.now() - seedStart;
    setContainer(new Container({ env: { ...env, AzureWebJobsStorage: traffic.connectionString } }));
    const host = await serveHttpFunctions();
    const routes = [
      ['summary', 'probes/summary'],
      ['series 30d (daily rollups)', 'probes/probe-03/series?range=30d'],
      ['series 7d (hourly rollups)', 'probes/probe-03/series?range=7d'],
      ['series 24h (hourly rollups)', 'probes/probe-03/series?range=24h'],
      ['series 6h (raw rows)', 'probes/probe-03/series?range=6h'],
      ['series 1h (raw rows)', 'probes/probe-03/series?range=1h'],
      ['events (all targets, 30 d)', 'probes/events'],
    ] as const;
    const figures: Figures[] = [];
    for (const [name, path] of routes) {
      const times: number[] = [];
      let reads: TrafficSnapshot | undefined;
      for (let i = 0; i < runs + 3; i++) {
        traffic.reset();
        const start = performance.now();
        const response = await fetch(`${host.url}/api/${path}`);
        await response.arrayBuffer();
        const elapsed = performance.now() - start;
        if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
        reads = traffic.snapshot();
        if (i >= 3) times.push(elapsed); // the first calls load modules and create table clients
      }
      times.sort((a, b) => a - b);
      const byTable = reads?.byTable ?? {};
      figures.push({
        name,
        medianMs: quantile(times, 0.5),
        p95Ms: quantile(times, 0.95),
        requests: reads?.requests ?? 0,
        entities: reads?.entities ?? 0,
        rawEntities: Object.entries(byTable)
          .filter(([table]) => table.includes(PROBE_TABLES.rawPrefix))
          .reduce((n, [, t]) => n + t.entities, 0),
      });
    }
    await host.stop();
    setContainer(undefined);

    const out = process.stdout;
    out.write(
      `machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}\n`,
    );
    out.write(
      `dataset: ${seed.targets.length} targets, ${seed.runs} runs from ${seed.from.toISOString()} to ${seed.now.toISOString()}; ${seed.entitiesWritten} entities seeded in ${(seedMs / 1000).toFixed(1)} s; ${seed.events} state-change events\n`,
    );
    out.write(`calls per route: ${runs} (after 3 warm-up calls)\n\n`);
    out.write(
      '| route | median ms | p95 ms | storage requests | entities read | raw entities read |\n|---|---:|---:|---:|---:|---:|\n',
    );
    for (const f of figures)
      out.write(
        `| ${f.name} | ${f.medianMs.toFixed(1)} | ${f.p95Ms.toFixed(1)} | ${f.requests} | ${f.entities} | ${f.rawEntities} |\n`,
      );
    const summary = figures[0];
    const month = figures[1];
    const longRaw = figures.filter((f) => /30d|7d|24h|summary|events/.test(f.name) && f.rawEntities > 0);
    out.write(
      `\ntarget (< 300 ms median, no raw rows beyond a day): summary ${summary !== undefined && summary.medianMs < 300 ? 'met' : 'MISSED'}, 30-day series ${month !== undefined && month.medianMs < 300 ? 'met' : 'MISSED'}, raw reads beyond a day: ${longRaw.length === 0 ? 'none' : longRaw.map((f) => f.name).join(', ')}\n`,
    );
    out.write(
      `${JSON.stringify({
        bench: 'dashboard',
        at: new Date().toISOString(),
        machine: { cores: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
        dataset: {
          targets: seed.targets.length,
          runs: seed.runs,
          entities: seed.entitiesWritten,
          events: seed.events,
        },
        callsPerRoute: runs,
        routes: figures,
        rawReadsBeyondADay: longRaw.map((f) => f.name),
      })}\n`,
    );
  } finally {
    await traffic.stop();
    await azurite.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
