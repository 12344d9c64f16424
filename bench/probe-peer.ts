/**
 * npm run bench:probe-peer [-- samples] — our probe engine side by side with Prometheus'
 * blackbox_exporter (Debian's `prometheus-blackbox-exporter`) and `curl -w`, on local targets.
 *
 * - Targets: an http and an https listener (certificate from a throwaway CA, which every prober
 *   is given) in their own process, answering `/delay/<ms>` after 0, 20, 50, 100 or 200 ms.
 * - Accuracy: N samples per tool x scheme x delay, all jobs shuffled into one random order, each
 *   on a fresh connection. Offsets are the tool's median minus curl's median, per phase.
 * - Cost: CPU per probe (0 ms target, 50 in flight) of our engine's process and of the exporter's
 *   process (/proc/<pid>/stat); RSS with 32 in flight, next to a bare Node process with undici.
 * - Fan-out: 1,000 targets with random 0-200 ms delays for each tool, once all at once (burst) and
 *   once spaced as the product spaces a one-minute run (the same gap for the exporter); inflation
 *   is the recorded total minus the server's own delay.
 *
 * Prints a table, then one JSON line with every figure. Needs curl and blackbox_exporter on PATH
 * (`apt-get install -y prometheus-blackbox-exporter curl`); without them it says so and exits 2.
 * Environment: BENCH_SAMPLES (default 200), BENCH_CPU_PROBES (2000), BENCH_FANOUT (1000).
 */
import { type ChildProcess, execFile, fork, spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { probeDeadlineMs } from '../shared/probe/core/probe-schedule';
import { startGapMs } from '../shared/probe/use-cases/fan-out';
import type { OursAnswer, OursJob } from './peer-ours';
import { median, quantile, shuffled } from './stats';

const SAMPLES = Number(process.argv[2] ?? process.env.BENCH_SAMPLES ?? 200);
const CPU_PROBES = Number(process.env.BENCH_CPU_PROBES ?? 2000);
const FANOUT = Number(process.env.BENCH_FANOUT ?? 1000);
const DELAYS = [0, 20, 50, 100, 200] as const;
const SCHEMES = ['http', 'https'] as const;
const TOOLS = ['ours', 'blackbox', 'curl'] as const;
const BLACKBOX = 'prometheus-blackbox-exporter';
/** The memory baseline: a Node process that has required undici and does nothing else. */
const BARE_UNDICI = "require('undici'); console.log('ready'); setInterval(() => {}, 60000);";
/**
 * A second baseline, labelled apart (the is the one above): the same process after one
 * request through undici, so its parser (wasm), TLS-free connect path and first young-generation
 * growth are in, as they are in any process that has probed once. argv[1] is the URL.
 */
const UNDICI_AFTER_REQUEST =
  "const u = require('undici'); u.request(process.argv[1]).then((r) => r.body.text()).then(() => { console.log('ready'); setInterval(() => {}, 60000); });";
/**
 * A third reference, for scale only: plain `undici.request` with 32 in flight on the same target
 * for the same number of requests (its own pool, keep-alive), peak RSS sampled every 10 ms. It
 * prints the peak in bytes. argv[1] is the URL, argv[2] the count.
 */
const UNDICI_32 = [
  "const u = require('undici'); const n = Number(process.argv[2]); let next = 0, peak = 0;",
  'const t = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 10);',
  'const w = async () => { while (next++ < n) { const r = await u.request(process.argv[1]); await r.body.text(); } };',
  'Promise.all(Array.from({ length: 32 }, w)).then(() => { clearInterval(t); console.log(Math.max(peak, process.memoryUsage.rss())); process.exit(0); });',
].join(' ');
/**
 * The floor for any prober in Node, for scale: a fresh `net`/`tls` connection per request, the
 * request written by hand, the response read to its end, no HTTP client, no result; 50 in flight,
 * the same CA, no session reuse. Prints the median CPU µs per request of three rounds after one
 * warm-up. argv: URL, CA file, count.
 */
const NODE_FLOOR = [
  "const net = require('node:net'), tls = require('node:tls'), fs = require('node:fs');",
  'const [url, caFile, count] = process.argv.slice(1); const u = new URL(url); const n = Number(count);',
  "const ctx = tls.createSecureContext({ ca: [...tls.rootCertificates, fs.readFileSync(caFile, 'utf8')] });",
  "const req = Buffer.from('GET ' + u.pathname + ' HTTP/1.1\\r\\nhost: ' + u.host + '\\r\\nconnection: close\\r\\n\\r\\n');",
  "const one = () => new Promise((ok, no) => { const https = u.protocol === 'https:';",
  '  const s = https ? tls.connect({ host: u.hostname, port: Number(u.port), secureContext: ctx }) : net.connect(Number(u.port), u.hostname);',
  "  s.once(https ? 'secureConnect' : 'connect', () => s.write(req)); s.on('data', () => {});",
  "  s.on('end', () => { s.destroy(); ok(); }); s.on('error', no); });",
  'const batch = async (k) => { let next = 0; const c = process.cpuUsage();',
  '  await Promise.all(Array.from({ length: 50 }, async () => { while (next++ < k) await one(); }));',
  '  const d = process.cpuUsage(c); return (d.user + d.system) / k; };',
  '(async () => { await batch(Math.max(200, n >> 1)); const r = [await batch(n), await batch(n), await batch(n)].sort((a, b) => a - b);',
  '  console.log(r[1]); })();',
].join('\n');
/** CPU rounds per tool and scheme (median taken), after one unmeasured warm-up batch each. */
const CPU_ROUNDS = 3;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

type Scheme = (typeof SCHEMES)[number];
type Tool = (typeof TOOLS)[number];
/** Milliseconds from the start of the attempt; tls null for http. */
interface Sample {
  readonly connect: number;
  readonly tls: number | null;
  readonly ttfb: number;
  readonly total: number;
}

// ── statistics ──────────────────────────────────────────────────────────────────────────────────

const r3 = (n: number) => Math.round(n * 1000) / 1000;

// ── processes ───────────────────────────────────────────────────────────────────────────────────

function requireTools(): { curl: string; blackbox: string } {
  const curl = spawnSync('curl', ['--version'], { encoding: 'utf8' });
  const bb = spawnSync(BLACKBOX, ['--version'], { encoding: 'utf8' });
  if (curl.error !== undefined || bb.error !== undefined) {
    process.stderr.write(
      `bench:probe-peer compares against curl and ${BLACKBOX}; ${
        curl.error !== undefined ? 'curl' : BLACKBOX
      } was not found on PATH.\nInstall both (Debian: \`apt-get install -y prometheus-blackbox-exporter curl\`) and run it again.\n`,
    );
    process.exit(2);
  }
  const version = `${bb.stdout}${bb.stderr}`.match(/version (\S+)/)?.[1] ?? 'unknown';
  return { curl: curl.stdout.split('\n')[0] ?? 'curl', blackbox: `blackbox_exporter ${version}` };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    if (child.stdout === null) return reject(new Error('no stdout'));
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before it was ready`)));
  });
}

/** RSS of a `node` child once it has printed its first line and settled for half a second. */
async function settledRss(children: ChildProcess[], args: string[]): Promise<number> {
  const child = spawn(process.execPath, args, {
    cwd: join(__dirname, '..', '..'),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  await firstLine(child);
  await sleep(500);
  const rss = procStat(child.pid ?? 0).rssBytes;
  child.kill('SIGTERM');
  return rss;
}

function procStat(pid: number): { cpuTicks: number; rssBytes: number } {
  // Fields after the command name: state is 3rd, utime 14th, stime 15th, rss (pages) 24th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const field = (n: number) => Number(fields[n - 3]);
  return { cpuTicks: field(14) + field(15), rssBytes: field(24) * 4096 };
}

/** CPU of this process's waited-for children (curl): cutime + cstime, in ticks. */
function childrenTicks(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[16 - 3]) + Number(fields[17 - 3]);
}

class Ours {
  private nextId = 0;
  private readonly pending = new Map<number, (answer: { answer?: OursAnswer; error?: string }) => void>();
  private constructor(readonly child: ChildProcess) {
    child.on('message', (message: { id?: number; answer?: OursAnswer; error?: string }) => {
      if (message.id === undefined) return;
      this.pending.get(message.id)?.(message);
      this.pending.delete(message.id);
    });
  }
  static async start(ca: string, args: string[] = []): Promise<Ours> {
    const child = fork(join(__dirname, 'peer-ours.js'), args, {
      env: { ...process.env, PEER_CA_PEM: ca },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`peer-ours exited with ${code}`)));
    });
    return new Ours(child);
  }
  run<K extends OursJob['kind']>(job: OursJob & { kind: K }): Promise<Extract<OursAnswer, { kind: K }>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (m) =>
        m.error !== undefined || m.answer === undefined
          ? reject(new Error(m.error ?? 'no answer'))
          : resolve(m.answer as Extract<OursAnswer, { kind: K }>),
      );
      this.child.send({ id, job });
    });
  }
  stop(): void {
    this.child.disconnect();
  }
}

// ── the three probers, one sample each ──────────────────────────────────────────────────────────

const bbAgent = new Agent({ connections: 2048, pipelining: 1 });

async function blackboxSample(base: string, scheme: Scheme, url: string): Promise<Sample> {
  const response = await request(`${base}/probe?module=${scheme}&target=${encodeURIComponent(url)}`, {
    dispatcher: bbAgent,
  });
  const text = await response.body.text();
  const phase = (name: string) =>
    Number(text.match(new RegExp(`probe_http_duration_seconds\\{phase="${name}"\\} (\\S+)`))?.[1]) * 1000;
  if (!/^probe_success 1$/m.test(text)) throw new Error(`blackbox_exporter probe failed for ${url}`);
  const resolve = phase('resolve');
  const connect = phase('connect');
  const tls = phase('tls');
  const processing = phase('processing');
  const transfer = phase('transfer');
  return {
    connect: resolve + connect,
    tls: scheme === 'https' ? tls : null,
    ttfb: resolve + connect + tls + processing,
    total: resolve + connect + tls + processing + transfer,
  };
}

function curlSample(url: string, caFile: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      [
        '-s',
        '-o',
        '/dev/null',
        '--cacert',
        caFile,
        '-w',
        '%{time_connect} %{time_appconnect} %{time_starttransfer} %{time_total}',
        url,
      ],
      (error, stdout) => {
        if (error) return reject(error);
        const [connect, app, start, total] = stdout
          .trim()
          .split(' ')
          .map((s) => Number(s) * 1000);
        if (total === undefined || Number.isNaN(total)) return reject(new Error(`curl said: ${stdout}`));
        resolve({
          connect: connect ?? Number.NaN,
          tls: url.startsWith('https:') ? (app ?? Number.NaN) - (connect ?? Number.NaN) : null,
          ttfb: start ?? Number.NaN,
          total,
        });
      },
    );
  });
}

async function oursSample(ours: Ours, url: string): Promise<Sample> {
  const { timings: t } = await ours.run({ kind: 'one', url });
  return {
    connect: t.tcpMs ?? Number.NaN,
    tls: t.tlsMs,
    ttfb: t.firstByteAtMs ?? Number.NaN,
    total: t.totalMs,
  };
}

// ── cost and fan-out for the exporter and curl ──────────────────────────────────────────────────

async function blackboxBatch(
  base: string,
  pid: number,
  url: string,
  scheme: Scheme,
  count: number,
  concurrency: number,
): Promise<{ cpuUs: number; peakRssBytes: number }> {
  let peak = procStat(pid).rssBytes;
  const sampler = setInterval(() => {
    peak = Math.max(peak, procStat(pid).rssBytes);
  }, 10);
  const before = procStat(pid).cpuTicks;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) await blackboxSample(base, scheme, url);
    }),
  );
  clearInterval(sampler);
  const ticks = procStat(pid).cpuTicks - before;
  return { cpuUs: (ticks * 1e6) / CLK_TCK, peakRssBytes: Math.max(peak, procStat(pid).rssBytes) };
}

interface FanoutFigures {
  readonly wallMs: number;
  readonly inflationMedianMs: number;
  readonly inflationP95Ms: number;
  readonly failures: number;
}

function inflation(totals: readonly number[], delays: readonly number[], wallMs: number, failures: number) {
  const over = totals.map((t, i) => t - (delays[i] ?? 0));
  return {
    wallMs: r3(wallMs),
    inflationMedianMs: r3(median(over)),
    inflationP95Ms: r3(quantile(over, 0.95)),
    failures,
  };
}

async function blackboxFanout(
  base: string,
  urls: readonly string[],
  delays: number[],
  gapMs: number,
): Promise<FanoutFigures> {
  const started = performance.now();
  let failures = 0;
  const totals = await Promise.all(
    urls.map((url, i) =>
      (gapMs > 0 ? sleep(i * gapMs) : Promise.resolve())
        .then(() => blackboxSample(base, 'http', url))
        .then(
          (s) => s.total,
          () => {
            failures++;
            return Number.NaN;
          },
        ),
    ),
  );
  return inflation(totals, delays, performance.now() - started, failures);
}

/** curl's own parallel mode (-Z); it caps --parallel-max at 300. */
function curlFanout(urls: readonly string[], delays: number[], dir: string): Promise<FanoutFigures> {
  const config = join(dir, 'curl-fanout.cfg');
  writeFileSync(config, urls.map((u) => `url = "${u}"\noutput = "/dev/null"\n`).join(''));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      [
        '-s',
        '-Z',
        '--parallel-max',
        '300',
        '--parallel-immediate',
        '-K',
        config,
        '-w',
        '%{url_effective} %{time_total}\n',
      ],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => {
        if (error) return reject(error);
        const wall = performance.now() - started;
        const byUrl = new Map<string, number>();
        for (const line of stdout.trim().split('\n')) {
          const [u, t] = line.split(' ');
          if (u !== undefined && t !== undefined) byUrl.set(u, Number(t) * 1000);
        }
        const totals = urls.map((u) => byUrl.get(u) ?? Number.NaN);
        resolve(inflation(totals, delays, wall, totals.filter(Number.isNaN).length));
      },
    );
  });
}

// ── main ────────────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const versions = requireTools();
  const uptimeBefore = spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();
  const dir = mkdtempSync(join(tmpdir(), 'probe-peer-'));
  const caFile = join(dir, 'ca.pem');
  const children: ChildProcess[] = [];
  let ours: Ours | undefined;
  try {
    const targets = spawn(process.execPath, [join(__dirname, 'peer-targets.js'), caFile], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(targets);
    const ports = JSON.parse(await firstLine(targets)) as { httpPort: number; httpsPort: number };
    const ca = readFileSync(caFile, 'utf8');
    const url = (scheme: Scheme, delay: number) =>
      `${scheme}://127.0.0.1:${scheme === 'http' ? ports.httpPort : ports.httpsPort}/delay/${delay}`;

    const bbPort = await freePort();
    const bbConfig = join(dir, 'blackbox.yml');
    writeFileSync(
      bbConfig,
      [
        'modules:',
        '  http:',
        '    prober: http',
        '    timeout: 10s',
        '    http: { preferred_ip_protocol: ip4, ip_protocol_fallback: false, valid_status_codes: [200] }',
        '  https:',
        '    prober: http',
        '    timeout: 10s',
        `    http: { preferred_ip_protocol: ip4, ip_protocol_fallback: false, valid_status_codes: [200], tls_config: { ca_file: ${JSON.stringify(caFile)} } }`,
        '',
      ].join('\n'),
    );
    const bb = spawn(
      BLACKBOX,
      [`--config.file=${bbConfig}`, `--web.listen-address=127.0.0.1:${bbPort}`, '--log.level=error'],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    children.push(bb);
    const bbBase = `http://127.0.0.1:${bbPort}`;
    const bbPid = bb.pid ?? 0;
    for (let i = 0; ; i++) {
      const ok = await request(`${bbBase}/-/healthy`, { dispatcher: bbAgent }).then(
        async (r) => {
          await r.body.text();
          return r.statusCode === 200;
        },
        () => false,
      );
      if (ok) break;
      if (i > 100) throw new Error('blackbox_exporter did not come up');
      await new Promise((r) => setTimeout(r, 100));
    }
    ours = await Ours.start(ca);
    const o = ours;

    const take = (tool: Tool, scheme: Scheme, delay: number): Promise<Sample> => {
      const u = url(scheme, delay);
      return tool === 'ours'
        ? oursSample(o, u)
        : tool === 'blackbox'
          ? blackboxSample(bbBase, scheme, u)
          : curlSample(u, caFile);
    };
    // Warm-up: loads undici's parser, the exporter's TLS code, the page cache for curl.
    for (const tool of TOOLS)
      for (const scheme of SCHEMES) for (let i = 0; i < 5; i++) await take(tool, scheme, 0);

    // ── accuracy ──
    type Key = `${Tool} ${Scheme} ${number}`;
    const samples = new Map<Key, Sample[]>();
    const jobs: Array<[Tool, Scheme, number]> = [];
    for (const tool of TOOLS)
      for (const scheme of SCHEMES)
        for (const delay of DELAYS) for (let i = 0; i < SAMPLES; i++) jobs.push([tool, scheme, delay]);
    jobs.splice(0, jobs.length, ...shuffled(jobs));
    const accuracyStarted = performance.now();
    for (const [tool, scheme, delay] of jobs) {
      const key: Key = `${tool} ${scheme} ${delay}`;
      const list = samples.get(key) ?? [];
      list.push(await take(tool, scheme, delay));
      samples.set(key, list);
    }
    const accuracyS = (performance.now() - accuracyStarted) / 1000;
    const phases = ['connect', 'tls', 'ttfb', 'total'] as const;
    const medians = (tool: Tool, scheme: Scheme, delay: number) => {
      const list = samples.get(`${tool} ${scheme} ${delay}`) ?? [];
      return Object.fromEntries(
        phases.map((p) => [p, r3(median(list.map((s) => s[p] ?? Number.NaN)))]),
      ) as Record<(typeof phases)[number], number>;
    };
    const accuracy = SCHEMES.flatMap((scheme) =>
      DELAYS.map((delay) => {
        const c = medians('curl', scheme, delay);
        const offsets = (tool: Tool) => {
          const m = medians(tool, scheme, delay);
          return Object.fromEntries(
            phases.filter((p) => scheme === 'https' || p !== 'tls').map((p) => [p, r3(m[p] - c[p])]),
          ) as Partial<Record<(typeof phases)[number], number>>;
        };
        return {
          scheme,
          delayMs: delay,
          curlMedians: c,
          oursMedians: medians('ours', scheme, delay),
          blackboxMedians: medians('blackbox', scheme, delay),
          oursOffset: offsets('ours'),
          blackboxOffset: offsets('blackbox'),
        };
      }),
    );

    // ── cost: CPU per probe (0 ms target, 50 in flight), alternating ours and the exporter. Each
    // first runs one unmeasured batch: what is compared is the steady state of a long-running
    // prober, not V8 compiling our code (or Go growing its heap) in the first thousand probes ──
    const cpu: Record<string, { oursUs: number[]; blackboxUs: number[] }> = {};
    for (const scheme of SCHEMES) {
      const entry = { oursUs: [] as number[], blackboxUs: [] as number[] };
      const warm = Math.max(200, Math.round(CPU_PROBES / 2));
      await o.run({ kind: 'batch', url: url(scheme, 0), count: warm, concurrency: 50 });
      await blackboxBatch(bbBase, bbPid, url(scheme, 0), scheme, warm, 50);
      for (let round = 0; round < CPU_ROUNDS; round++) {
        const a = await o.run({ kind: 'batch', url: url(scheme, 0), count: CPU_PROBES, concurrency: 50 });
        if (a.failures > 0) throw new Error(`${a.failures} of our probes failed in the CPU batch`);
        entry.oursUs.push(a.cpuUs / CPU_PROBES);
        const b = await blackboxBatch(bbBase, bbPid, url(scheme, 0), scheme, CPU_PROBES, 50);
        entry.blackboxUs.push(b.cpuUs / CPU_PROBES);
      }
      cpu[scheme] = entry;
    }
    const floorUs = Object.fromEntries(
      SCHEMES.map((scheme) => {
        const out = spawnSync(
          process.execPath,
          ['-e', NODE_FLOOR, url(scheme, 0), caFile, String(CPU_PROBES)],
          {
            encoding: 'utf8',
          },
        );
        return [scheme, r3(Number(out.stdout.trim()))];
      }),
    );

    // ── memory: 32 in flight on a 50 ms target, in a fresh engine process (no garbage from the
    // batches above), next to a process that has only required undici ──
    const fresh = await Ours.start(ca);
    for (let k = 0; k < 5; k++) await fresh.run({ kind: 'one', url: url('http', 0) });
    const rssOurs = await fresh.run({ kind: 'batch', url: url('http', 50), count: 32 * 20, concurrency: 32 });
    fresh.stop();
    const rssBb = await blackboxBatch(bbBase, bbPid, url('http', 50), 'http', 32 * 20, 32);
    const bareRss = await settledRss(children, ['-e', BARE_UNDICI]);
    const afterOneRss = await settledRss(children, ['-e', UNDICI_AFTER_REQUEST, url('http', 0)]);
    const undici32 = spawnSync(process.execPath, ['-e', UNDICI_32, url('http', 50), String(32 * 20)], {
      cwd: join(__dirname, '..', '..'),
      encoding: 'utf8',
    });
    const undici32Rss = Number(undici32.stdout.trim());

    // ── fan-out: FANOUT targets with random 0-200 ms delays, one go per tool ──
    const delays = Array.from({ length: FANOUT }, () => randomInt(201));
    // A query string makes every URL distinct, so curl's per-transfer output can be matched back.
    const urls = delays.map((d, i) => `${url('http', d)}?i=${i}`);
    // The gap the product uses for this many targets on a one-minute schedule (retries 0, 10 s total).
    const gapMs = startGapMs(FANOUT, probeDeadlineMs(60_000) - 10_000);
    const oursBurstAnswer = await o.run({ kind: 'fanout', urls, concurrency: FANOUT, gapMs: 0 });
    const oursSpreadAnswer = await o.run({ kind: 'fanout', urls, concurrency: FANOUT, gapMs });
    const fanout = {
      targets: FANOUT,
      periodMs: 60_000,
      deadlineMs: probeDeadlineMs(60_000),
      oursBurst: inflation(oursBurstAnswer.totals, delays, oursBurstAnswer.wallMs, oursBurstAnswer.failures),
      oursSpread: {
        ...inflation(oursSpreadAnswer.totals, delays, oursSpreadAnswer.wallMs, oursSpreadAnswer.failures),
        gapMs: oursSpreadAnswer.gapMs,
        queueMedianMs: r3(median(oursSpreadAnswer.queueMs)),
      },
      blackboxBurst: await blackboxFanout(bbBase, urls, delays, 0),
      blackboxSpread: await blackboxFanout(bbBase, urls, delays, gapMs),
      curl: await (async () => {
        const before = childrenTicks();
        const figures = await curlFanout(urls, delays, dir);
        return { ...figures, cpuUsPerProbe: r3(((childrenTicks() - before) * 1e6) / CLK_TCK / FANOUT) };
      })(),
    };

    // ── report ──
    const oursCpu = Object.fromEntries(SCHEMES.map((s) => [s, r3(median(cpu[s]?.oursUs ?? []))]));
    const bbCpu = Object.fromEntries(SCHEMES.map((s) => [s, r3(median(cpu[s]?.blackboxUs ?? []))]));
    const figures = {
      bench: 'probe-peer',
      at: new Date().toISOString(),
      samples: SAMPLES,
      accuracySeconds: r3(accuracyS),
      machine: `${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`,
      tools: { ...versions },
      uptimeBefore,
      uptimeAfter: spawnSync('uptime', { encoding: 'utf8' }).stdout.trim(),
      loadAfter: loadavg().map((l) => r3(l)),
      accuracy,
      cpuUsPerProbe: { ours: oursCpu, blackbox: bbCpu, nodeFloor: floorUs, runs: cpu },
      rssMB: {
        ours32: r3(rssOurs.peakRssBytes / 1e6),
        blackbox32: r3(rssBb.peakRssBytes / 1e6),
        bareNodeWithUndici: r3(bareRss / 1e6),
        bareNodeWithUndiciAfterOneRequest: r3(afterOneRss / 1e6),
        undiciRequest32: r3(undici32Rss / 1e6),
      },
      fanout,
      ratios: {
        cpuOursOverBlackbox: Object.fromEntries(
          SCHEMES.map((s) => [s, r3((oursCpu[s] ?? 0) / (bbCpu[s] ?? 1))]),
        ),
        cpuNodeFloorOverBlackbox: Object.fromEntries(
          SCHEMES.map((s) => [s, r3((floorUs[s] ?? 0) / (bbCpu[s] ?? 1))]),
        ),
        rssOurs32OverBareNode: r3(rssOurs.peakRssBytes / bareRss),
        rssOurs32OverBareNodeAfterOneRequest: r3(rssOurs.peakRssBytes / afterOneRss),
        rssOurs32OverUndiciRequest32: r3(rssOurs.peakRssBytes / undici32Rss),
        rssOurs32OverBlackbox32: r3(rssOurs.peakRssBytes / rssBb.peakRssBytes),
        fanoutInflationBurstOursOverBlackbox: r3(
          fanout.oursBurst.inflationMedianMs / fanout.blackboxBurst.inflationMedianMs,
        ),
        fanoutInflationSpreadOursOverBlackbox: r3(
          fanout.oursSpread.inflationMedianMs / fanout.blackboxSpread.inflationMedianMs,
        ),
        fanoutWallBurstOursOverBlackbox: r3(fanout.oursBurst.wallMs / fanout.blackboxBurst.wallMs),
      },
    };
    printTable(figures);
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    ours?.stop();
    // A child already ended (by exit or by signal) is not signalled again: that would throw ESRCH
    // after the JSON line and turn a finished run into a failed one.
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await bbAgent.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(f: {
  samples: number;
  machine: string;
  tools: Record<string, string>;
  uptimeBefore: string;
  uptimeAfter: string;
  accuracy: Array<{
    scheme: string;
    delayMs: number;
    curlMedians: Record<string, number>;
    oursOffset: Partial<Record<string, number>>;
    blackboxOffset: Partial<Record<string, number>>;
  }>;
  cpuUsPerProbe: {
    ours: Record<string, number>;
    blackbox: Record<string, number>;
    nodeFloor: Record<string, number>;
  };
  rssMB: Record<string, number>;
  fanout: Record<string, unknown>;
}): void {
  const n = (v: number | undefined) => (v === undefined ? '' : v.toFixed(3)).padStart(8);
  const lines = [
    `probe-peer: ${f.samples} samples per tool, scheme and delay, random order; ${f.machine}`,
    `${f.tools.curl}; ${f.tools.blackbox}`,
    `uptime before: ${f.uptimeBefore}`,
    `uptime after:  ${f.uptimeAfter}`,
    '',
    'offset of the median vs curl (ms)      ours: connect     tls    ttfb   total | blackbox: connect     tls    ttfb   total | curl total',
    ...f.accuracy.map(
      (a) =>
        `${a.scheme.padEnd(5)} ${String(a.delayMs).padStart(3)} ms                     ${n(a.oursOffset.connect)}${n(a.oursOffset.tls)}${n(a.oursOffset.ttfb)}${n(a.oursOffset.total)} |          ${n(a.blackboxOffset.connect)}${n(a.blackboxOffset.tls)}${n(a.blackboxOffset.ttfb)}${n(a.blackboxOffset.total)} | ${n(a.curlMedians.total)}`,
    ),
    '',
    `CPU per probe (0 ms target, 50 in flight): ours http ${f.cpuUsPerProbe.ours.http} µs, https ${f.cpuUsPerProbe.ours.https} µs; blackbox http ${f.cpuUsPerProbe.blackbox.http} µs, https ${f.cpuUsPerProbe.blackbox.https} µs; Node floor (bare net/tls, no HTTP client) http ${f.cpuUsPerProbe.nodeFloor.http} µs, https ${f.cpuUsPerProbe.nodeFloor.https} µs`,
    `RSS with 32 in flight: ours ${f.rssMB.ours32} MB, blackbox ${f.rssMB.blackbox32} MB, bare node with undici ${f.rssMB.bareNodeWithUndici} MB (after one request ${f.rssMB.bareNodeWithUndiciAfterOneRequest} MB; undici.request itself with 32 in flight ${f.rssMB.undiciRequest32} MB)`,
    ...Object.entries(f.fanout).map(([k, v]) => `fan-out ${k}: ${JSON.stringify(v)}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:probe-peer failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
