import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBundle } from '../scripts/build-bundle';

/**
 * Cold-start cost of the deployed entry: how long a fresh `node` takes to load the module
 * package.json "main" points at (registering every function) above a bare `node -e ''`, next to
 * the same cost for a minimal app that registers one HTTP function with @azure/functions alone.
 * Runs are interleaved so machine noise hits every variant alike; medians are reported.
 * Outside the Functions host, registration prints a "test mode" warning and is skipped; stderr is ignored.
 */

const ROOT = resolve(__dirname, '..', '..');
const OUT = join(ROOT, 'bench', 'out');

const MINIMAL_APP = `const { app } = require('@azure/functions');
app.http('hello', { methods: ['GET'], authLevel: 'anonymous', handler: async () => ({ body: 'hello' }) });
`;

interface Variant {
  readonly name: string;
  readonly args: readonly string[];
}

function runOnce(args: readonly string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    throw new Error(
      `node ${args.join(' ')} exited with ${result.status}: ${result.stderr.toString().slice(-500)}`,
    );
  }
  return elapsed;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 3) throw new Error('--runs expects a whole number of at least 3');

  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string };
  mkdirSync(OUT, { recursive: true });
  const minimal = join(OUT, 'minimal-app.js');
  writeFileSync(minimal, MINIMAL_APP);
  // The alternative this project did not choose, measured every time so the choice stays justified.
  const cjs = await buildBundle({ format: 'cjs', outdir: join(OUT, 'bundle-cjs') });

  const variants: Variant[] = [
    { name: 'bare node -e ""', args: ['-e', ''] },
    { name: `entry (${pkg.main})`, args: [pkg.main] },
    { name: 'minimal app (1 HTTP function)', args: [minimal] },
    { name: `single CJS bundle (${cjs.entry})`, args: [cjs.entry] },
  ];
  for (const v of variants) runOnce(v.args); // warm the file system cache; not counted

  const samples = variants.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    variants.forEach((v, index) => {
      samples[index]?.push(runOnce(v.args));
    });
  }
  const medians = samples.map(median);
  const bare = medians[0] ?? 0;
  const cost = (index: number) => (medians[index] ?? 0) - bare;

  const lines = [
    `Cold start, ${runs} interleaved runs each, median wall time of a fresh node process`,
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, ${process.platform}`,
    '',
    ...variants.map(
      (v, index) =>
        `${v.name.padEnd(52)} ${(medians[index] ?? 0).toFixed(1).padStart(7)} ms${index === 0 ? '' : `   load cost ${cost(index).toFixed(1).padStart(6)} ms`}`,
    ),
    '',
    `ratio entry / minimal app:              ${(cost(1) / cost(2)).toFixed(2)}x (target <= 1.5x)`,
    `ratio single CJS bundle / minimal app:  ${(cost(3) / cost(2)).toFixed(2)}x`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
