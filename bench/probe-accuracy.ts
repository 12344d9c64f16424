/**
 * Probe accuracy against curl: `npm run bench:probe-accuracy`.
 *
 * A local server (in a worker thread, so its timers do not share the probe's event loop) answers
 * after a fixed 50 ms before the headers. We take 200 samples of our probe and 200 of
 * `curl -w '%{time_starttransfer} %{time_total}'`, interleaved (the order alternates), each on a
 * fresh connection, and report the median and p95 of (probe − curl) for the total and for the
 * time to first byte. curl's time_starttransfer counts from the start of the transfer, so it is
 * compared with our `firstByteAtMs`; our own `ttfbMs` (request written → first byte) is shown too.
 */
import { execFile, spawnSync } from 'node:child_process';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { Worker } from 'node:worker_threads';
import { probeHttpTarget } from '../shared/probe/adapters/http-probe';
import { parseProbeTargets } from '../shared/probe/adapters/targets';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const WARMUP = 10;
const DELAY_MS = 50;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (pos - lo);
}

function stats(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const abs = values.map(Math.abs).sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p95abs: quantile(abs, 0.95) };
}

async function startDelayedServer(): Promise<{ port: number; stop(): Promise<number> }> {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     const body = Buffer.from('<!DOCTYPE html><html><head><title>IIS Windows Server</title></head><body>bench</body></html>');
     const server = require('node:http').createServer((req, res) => {
       setTimeout(() => {
         res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': body.length, Server: 'Microsoft-IIS/10.0' });
         res.end(body);
       }, ${DELAY_MS});
     });
     server.keepAliveTimeout = 1000;
     server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
     parentPort.on('message', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });`,
    { eval: true },
  );
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    port,
    stop: () =>
      new Promise((resolve) => {
        worker.once('exit', resolve);
        worker.postMessage('stop');
      }),
  };
}

function curlSample(url: string): Promise<{ ttfbMs: number; totalMs: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      ['-s', '-o', '/dev/null', '-w', '%{time_starttransfer} %{time_total}', url],
      (error, stdout) => {
        if (error) return reject(error);
        const [ttfb, total] = stdout.trim().split(' ').map(Number);
        if (ttfb === undefined || total === undefined || Number.isNaN(ttfb) || Number.isNaN(total)) {
          return reject(new Error(`unexpected curl output: ${stdout}`));
        }
        resolve({ ttfbMs: ttfb * 1000, totalMs: total * 1000 });
      },
    );
  });
}

async function main(): Promise<void> {
  const curl = spawnSync('curl', ['--version'], { encoding: 'utf8' });
  if (curl.error !== undefined || curl.status !== 0) {
    process.stderr.write(
      'bench:probe-accuracy needs curl on PATH to compare against, and it was not found.\n' +
        'Install it (e.g. `apt-get install -y curl`) and run the benchmark again.\n',
    );
    process.exit(2);
  }
  const curlVersion = curl.stdout.split('\n')[0] ?? 'curl';
  const loadBefore = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const server = await startDelayedServer();
  const url = `http://127.0.0.1:${server.port}/`;
  const [target] = parseProbeTargets(JSON.stringify([{ id: 'bench', url, retries: 0 }]));
  if (target === undefined) throw new Error('no target');
  const probeOnce = async () => {
    const result = await probeHttpTarget(target, {
      scheduledAt: new Date(),
      signal: new AbortController().signal,
    });
    if (result.final.failure !== null) throw new Error(`probe failed: ${result.reason}`);
    const t = result.final.timings;
    return {
      totalMs: t.totalMs,
      ttfbFromStartMs: t.firstByteAtMs ?? Number.NaN,
      ttfbMs: t.ttfbMs ?? Number.NaN,
    };
  };

  for (let i = 0; i < WARMUP; i++) {
    await probeOnce();
    await curlSample(url);
  }
  const ours: Array<Awaited<ReturnType<typeof probeOnce>>> = [];
  const theirs: Array<Awaited<ReturnType<typeof curlSample>>> = [];
  for (let i = 0; i < SAMPLES; i++) {
    // Alternate who goes first so neither always follows the other's teardown.
    if (i % 2 === 0) {
      ours.push(await probeOnce());
      theirs.push(await curlSample(url));
    } else {
      theirs.push(await curlSample(url));
      ours.push(await probeOnce());
    }
  }
  await server.stop();

  const diff = (pick: (o: (typeof ours)[number], c: (typeof theirs)[number]) => number) =>
    stats(ours.map((o, i) => pick(o, theirs[i] ?? { ttfbMs: Number.NaN, totalMs: Number.NaN })));
  const total = diff((o, c) => o.totalMs - c.totalMs);
  const ttfb = diff((o, c) => o.ttfbFromStartMs - c.ttfbMs);
  const med = (values: number[]) =>
    quantile(
      [...values].sort((a, b) => a - b),
      0.5,
    );
  const f = (n: number) => n.toFixed(3).padStart(8);

  const lines = [
    `probe-accuracy: ${SAMPLES} samples each, server delay ${DELAY_MS} ms before headers, fresh connection per sample`,
    `load average before/after: ${loadBefore} / ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (other work on the machine widens p95)`,
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()}, node ${process.version}, ${curlVersion}`,
    '',
    '                         median      p95   p95|d|   (ms)',
    `total  probe − curl   ${f(total.median)} ${f(total.p95)} ${f(total.p95abs)}`,
    `TTFB   probe − curl   ${f(ttfb.median)} ${f(ttfb.p95)} ${f(ttfb.p95abs)}   (probe firstByteAtMs vs curl time_starttransfer)`,
    '',
    `medians: probe total ${f(med(ours.map((o) => o.totalMs)))}, curl total ${f(med(theirs.map((c) => c.totalMs)))}`,
    `         probe first byte from start ${f(med(ours.map((o) => o.ttfbFromStartMs)))}, curl starttransfer ${f(med(theirs.map((c) => c.ttfbMs)))}`,
    `         probe ttfbMs as defined (request written → first byte) ${f(med(ours.map((o) => o.ttfbMs)))}`,
    '',
    `target: |median difference| ≤ 1 ms — total ${Math.abs(total.median) <= 1 ? 'met' : 'NOT met'}, TTFB ${Math.abs(ttfb.median) <= 1 ? 'met' : 'NOT met'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:probe-accuracy failed: ${(error as Error).message}\n`);
  process.exit(1);
});
