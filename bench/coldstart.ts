/*
 * Cold-start cost of the deployed entry: how long a fresh `node` takes to load the module
 * package.json "main" points at (registering every function) above a bare `node -e ''`, next to
 * the same cost for a minimal app that registers one HTTP function with @azure/functions alone.
 * Every round runs each variant once in a fresh random order, so machine noise hits them alike;
 * medians with their spread are reported, for wall time and for the process's own CPU time
 * (`process.cpuUsage()` at exit, steadier on a shared machine), and hyperfine (if on PATH) gives
 * a second opinion. The last line is one JSON object with every figure.
 * Outside the Functions host, registration prints a "test mode" warning and is skipped; stderr is ignored.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBundle } from '../scripts/build-bundle';
import { median, quantile, shuffled } from './stats';

const ROOT = resolve(__dirname, '..', '..');
const OUT = join(ROOT, 'bench', 'out');

// Preloaded into every variant (bare included, so it cancels out of every load cost): prints the
// process's CPU time, user + system, in ms as the last line of stdout.
const CPU_AT_EXIT = `process.on('exit', () => {
  const u = process.cpuUsage();
  require('node:fs').writeSync(1, '\\ncpu-ms ' + (u.user + u.system) / 1000 + '\\n');
});
`;

const MINIMAL_APP = `const { app } = require('@azure/functions');
app.http('hello', { methods: ['GET'], authLevel: 'anonymous', handler: async () => ({ body: 'hello' }) });
`;

interface Variant {
  readonly key: string;
  readonly name: string;
  readonly args: readonly string[];
}

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

function runOnce(preload: string, args: readonly string[]): Sample {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--require', preload, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = /cpu-ms ([\d.]+)\s*$/.exec(result.stdout.toString());
  if (result.status !== 0 || cpu === null) {
    throw new Error(
      `node ${args.join(' ')} exited with ${result.status}: ${result.stderr.toString().slice(-500)}`,
    );
  }
  return { wallMs, cpuMs: Number(cpu[1]) };
}

const r1 = (n: number) => Math.round(n * 10) / 10;
const r3 = (n: number) => Math.round(n * 1000) / 1000;

interface Spread {
  readonly median: number;
  readonly p25: number;
  readonly p75: number;
  readonly min: number;
  readonly max: number;
}
function spread(values: readonly number[]): Spread {
  return {
    median: r1(median(values)),
    p25: r1(quantile(values, 0.25)),
    p75: r1(quantile(values, 0.75)),
    min: r1(quantile(values, 0)),
    max: r1(quantile(values, 1)),
  };
}

/**
 * hyperfine (when on PATH) as an independent second method: its own timer, no shell (-N), its own
 * warm-up. It runs each command's samples back to back, so machine noise does not hit the variants
 * alike; that is why the interleaved figures are the headline and these the cross-check.
 */
function hyperfine(variants: readonly Variant[], runs: number): Record<string, number> | null {
  const probe = spawnSync('hyperfine', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) return null;
  const out = join(OUT, 'hyperfine.json');
  const commands = variants.map((v) => [process.execPath, ...v.args.map((a) => JSON.stringify(a))].join(' '));
  const result = spawnSync(
    'hyperfine',
    ['-N', '--warmup', '3', '--runs', String(runs), '--export-json', out, ...commands],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  if (result.status !== 0) return null;
  const parsed = JSON.parse(readFileSync(out, 'utf8')) as { results: Array<{ median: number }> };
  return Object.fromEntries(
    variants.map((v, i) => [v.key, (parsed.results[i]?.median ?? Number.NaN) * 1000]),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '60' }, 'no-hyperfine': { type: 'boolean', default: false } },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 3) throw new Error('--runs expects a whole number of at least 3');

  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string };
  mkdirSync(OUT, { recursive: true });
  const minimal = join(OUT, 'minimal-app.js');
  writeFileSync(minimal, MINIMAL_APP);
  const preload = join(OUT, 'cpu-at-exit.js');
  writeFileSync(preload, CPU_AT_EXIT);
  // The alternatives this project did not choose (the previous ESM entry, one CommonJS file),
  // measured every time so the choice stays justified.
  const esm = await buildBundle({ layout: 'esm', outdir: join(OUT, 'bundle-esm') });
  const cjs = await buildBundle({ layout: 'single-cjs', outdir: join(OUT, 'bundle-cjs') });

  const variants: Variant[] = [
    { key: 'bare', name: 'bare node -e ""', args: ['-e', ''] },
    { key: 'entry', name: `entry (${pkg.main})`, args: [pkg.main] },
    { key: 'minimal', name: 'minimal app (1 HTTP function)', args: [minimal] },
    { key: 'esm', name: `ESM entry, split (${esm.entry})`, args: [esm.entry] },
    { key: 'cjs', name: `single CJS bundle (${cjs.entry})`, args: [cjs.entry] },
  ];
  for (const v of variants) for (let i = 0; i < 3; i++) runOnce(preload, v.args); // warm the page cache; not counted

  // Every round runs each variant once, in a fresh random order: no variant always follows
  // another's teardown, and a burst of load on the machine lands on all of them alike.
  const samples = new Map<string, Sample[]>(variants.map((v) => [v.key, []]));
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    const round = new Map<string, Sample>();
    for (const v of shuffled(variants)) round.set(v.key, runOnce(preload, v.args));
    for (const [key, sample] of round) samples.get(key)?.push(sample);
    const wall = (key: string) => round.get(key)?.wallMs ?? 0;
    ratios.push((wall('entry') - wall('bare')) / (wall('minimal') - wall('bare')));
  }
  const statsOf = (pick: (s: Sample) => number) =>
    Object.fromEntries(variants.map((v) => [v.key, spread((samples.get(v.key) ?? []).map(pick))]));
  const stats = statsOf((s) => s.wallMs);
  const cpuStats = statsOf((s) => s.cpuMs);
  const med = (key: string) => stats[key]?.median ?? Number.NaN;
  const cost = (key: string) => med(key) - med('bare');
  const cpuCost = (key: string) =>
    (cpuStats[key]?.median ?? Number.NaN) - (cpuStats.bare?.median ?? Number.NaN);
  const hf = values['no-hyperfine'] ? null : hyperfine(variants, runs);
  const hfRatio =
    hf === null ? null : ((hf.entry ?? 0) - (hf.bare ?? 0)) / ((hf.minimal ?? 0) - (hf.bare ?? 0));
  const uptime = spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();

  const lines = [
    `Cold start, ${runs} rounds, each round every variant once in random order; wall and CPU time of a fresh node process`,
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, ${process.platform}`,
    `uptime: ${uptime}`,
    '',
    `${'variant'.padEnd(52)}  wall median     p25     p75  load cost | CPU median  load cost (ms)`,
    ...variants.map((v) => {
      const s = stats[v.key];
      const c = cpuStats[v.key];
      const costs = v.key === 'bare' ? ['', ''] : [cost(v.key).toFixed(1), cpuCost(v.key).toFixed(1)];
      return `${v.name.padEnd(52)} ${String(s?.median).padStart(12)} ${String(s?.p25).padStart(7)} ${String(s?.p75).padStart(7)} ${costs[0]?.padStart(10)} | ${String(c?.median).padStart(10)} ${costs[1]?.padStart(10)}`;
    }),
    '',
    `ratio entry / minimal app (wall load cost of the medians): ${(cost('entry') / cost('minimal')).toFixed(2)}x (target <= 1.3x)`,
    `  per-round ratio: median ${median(ratios).toFixed(2)}x, p25-p75 ${quantile(ratios, 0.25).toFixed(2)}-${quantile(ratios, 0.75).toFixed(2)}x`,
    `ratio entry / minimal app (CPU load cost of the medians):  ${(cpuCost('entry') / cpuCost('minimal')).toFixed(2)}x`,
    `ratio ESM entry / minimal app (wall, CPU):                 ${(cost('esm') / cost('minimal')).toFixed(2)}x, ${(cpuCost('esm') / cpuCost('minimal')).toFixed(2)}x`,
    `ratio single CJS bundle / minimal app (wall, CPU):         ${(cost('cjs') / cost('minimal')).toFixed(2)}x, ${(cpuCost('cjs') / cpuCost('minimal')).toFixed(2)}x`,
    hf === null
      ? 'hyperfine: not on PATH (apt-get install -y hyperfine), cross-check skipped'
      : `hyperfine -N cross-check (medians): bare ${r1(hf.bare ?? 0)}, entry ${r1(hf.entry ?? 0)}, minimal ${r1(hf.minimal ?? 0)}, esm ${r1(hf.esm ?? 0)}, cjs ${r1(hf.cjs ?? 0)} ms; entry / minimal ${hfRatio?.toFixed(2)}x`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'coldstart',
      runs,
      uptime,
      variants: stats,
      loadCostMs: Object.fromEntries(variants.slice(1).map((v) => [v.key, r1(cost(v.key))])),
      entryOverMinimal: r3(cost('entry') / cost('minimal')),
      entryOverMinimalPerRound: {
        median: r3(median(ratios)),
        p25: r3(quantile(ratios, 0.25)),
        p75: r3(quantile(ratios, 0.75)),
      },
      esmOverMinimal: r3(cost('esm') / cost('minimal')),
      cjsOverMinimal: r3(cost('cjs') / cost('minimal')),
      cpu: {
        variants: cpuStats,
        loadCostMs: Object.fromEntries(variants.slice(1).map((v) => [v.key, r1(cpuCost(v.key))])),
        entryOverMinimal: r3(cpuCost('entry') / cpuCost('minimal')),
        esmOverMinimal: r3(cpuCost('esm') / cpuCost('minimal')),
        cjsOverMinimal: r3(cpuCost('cjs') / cpuCost('minimal')),
      },
      hyperfine: hf === null ? null : { mediansMs: hf, entryOverMinimal: r3(hfRatio ?? Number.NaN) },
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
