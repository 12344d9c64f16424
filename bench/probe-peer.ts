/**
 * npm run bench:probe-peer [-- samples] [--node a,b] [--accuracy-only] — our probe engine side by side with the
 * runtime's floor, Prometheus' blackbox_exporter (Debian's `prometheus-blackbox-exporter`) and
 * `curl -w`, on local targets, on the deploy runtimes.
 *
 * - Runtimes: the engine (peer-ours) and the floor (peer-floor, a bare `net`/`tls` client doing the
 *   same exchange) are forked on each measured runtime's own binary: by default the deploy runtime
 *   (node_modules/.bin/node, Node 22) and Node 24 (installed from npm into a cache on first use, see
 *   peer-runtime.ts); `--node a,b` lists binaries instead (`24` = the cached Node 24). Node 20 is
 *   refused as a measured runtime.
 * - Targets: an http and an https listener (certificate from a throwaway CA, which every prober
 *   is given) in their own process, answering `/delay/<ms>` after 0, 20, 50, 100 or 200 ms.
 * - Accuracy: N samples per tool x scheme x delay, all jobs shuffled into one random order, each
 *   on a fresh connection. The truth is curl's SECOND connection in one process (peer-truth.ts):
 *   its first includes curl's own OpenSSL set-up. Offsets per phase: ours − floor (the engine's
 *   own cost), floor − truth (the runtime's), exporter − truth; slopes of each over the delay.
 * - Cost: CPU per probe (0 ms target, 50 in flight) of the engine, the floor and the exporter;
 *   RSS with 32 in flight on the deploy runtime, next to a bare Node process with undici.
 * - Fan-out: 1,000 targets with random 0-200 ms delays for each tool, once all at once (burst) and
 *   once spaced as the product spaces a one-minute run; then the capacity per runtime and scheme:
 *   spaced targets at rising rates (targets a minute) for a short window each, until the median
 *   inflation (total minus the server's own delay) exceeds 1 ms.
 *
 * Prints a table, then one JSON line with every figure. Needs curl and blackbox_exporter on PATH
 * (`apt-get install -y prometheus-blackbox-exporter curl`); without them it says so and exits 2.
 * Environment: BENCH_SAMPLES (default 40), BENCH_CPU_PROBES (1000), BENCH_FANOUT (1000),
 * BENCH_CAPACITY_WINDOW_S (4), BENCH_CAPACITY_START (250) and BENCH_CAPACITY_MAX (64000 targets a
 * minute), BENCH_NODE_CACHE. `--before <dir>` adds a compiled engine from before a change.
 * Defaults take about 12 minutes on 2 vCPU.
 */
import { type ChildProcess, execFile, fork, spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { probeDeadlineMs } from '../shared/probe/core/probe-schedule';
import { startGapMs } from '../shared/probe/use-cases/fan-out';
import type { OursAnswer, OursJob } from './peer-ours';
import { chooseRuntimes, majorOf, type Runtime } from './peer-runtime';
import { type CurlTransfer, curlPairArgs, parseCurlPair } from './peer-truth';
import { median, quantile, shuffled, slope } from './stats';

const ARGS = process.argv.slice(2);
/** The first bare number on the command line (the old `-- N`), else BENCH_SAMPLES, else 40. */
const SAMPLES = Number(ARGS.find((a) => /^\d+$/.test(a)) ?? process.env.BENCH_SAMPLES ?? 40);
/** `--accuracy-only`: stop after the accuracy part (before/after figures of an engine change). */
const ACCURACY_ONLY = ARGS.includes('--accuracy-only');
/**
 * `--before <dir>`: a compiled tree (tsc output) of the engine before a change; its peer-ours runs
 * beside the current one in the same shuffled accuracy run (`before@v22`), for before/after figures.
 */
const BEFORE_DIR = ((i) => (i === -1 ? null : (ARGS[i + 1] ?? null)))(ARGS.indexOf('--before'));
const CPU_PROBES = Number(process.env.BENCH_CPU_PROBES ?? 1000);
const CAPACITY_WINDOW_S = Number(process.env.BENCH_CAPACITY_WINDOW_S ?? 4);
const CAPACITY_MAX = Number(process.env.BENCH_CAPACITY_MAX ?? 64_000);
/** The first rate tried (targets a minute); each step doubles it. */
const CAPACITY_START = Number(process.env.BENCH_CAPACITY_START ?? 250);
/** The engine's allowance over the floor, per phase (issue 26 item 6). */
const ENGINE_BUDGET_MS = 0.2;
/** The capacity criterion: median inflation at most this. */
const CAPACITY_INFLATION_MS = 1;
const PHASES = ['connect', 'tls', 'ttfb', 'total'] as const;
type Phase = (typeof PHASES)[number];
const FANOUT = Number(process.env.BENCH_FANOUT ?? 1000);
const DELAYS = [0, 20, 50, 100, 200] as const;
const SCHEMES = ['http', 'https'] as const;
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
/** CPU rounds per tool and scheme (median taken), after one unmeasured warm-up batch each. */
const CPU_ROUNDS = 3;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

type Scheme = (typeof SCHEMES)[number];
/** 'blackbox', 'curl' (its second connection), 'curl1' (its first), or `ours@v22` / `floor@v22`. */
type Tool = string;
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
async function settledRss(children: ChildProcess[], execPath: string, args: string[]): Promise<number> {
  const child = spawn(execPath, args, {
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
  /** `script` is peer-ours.js (the engine) or peer-floor.js, forked on the runtime's own binary. */
  static async start(ca: string, runtime: Runtime, script = 'peer-ours.js'): Promise<Ours> {
    const child = fork(resolve(__dirname, script), [], {
      execPath: runtime.execPath,
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

/** One curl process, two transfers on two fresh connections: [first, second] (see peer-truth.ts). */
function curlPair(setupUrl: string, url: string, caFile: string): Promise<[Sample, Sample]> {
  const https = url.startsWith('https:');
  const sample = (t: CurlTransfer): Sample => ({
    connect: t.connect,
    tls: t.tls,
    ttfb: t.ttfb,
    total: t.total,
  });
  return new Promise((resolve, reject) => {
    execFile('curl', curlPairArgs(setupUrl, url, caFile), (error, stdout) => {
      if (error) return reject(error);
      try {
        const { first, second } = parseCurlPair(stdout, https);
        resolve([sample(first), sample(second)]);
      } catch (failure) {
        reject(failure);
      }
    });
  });
}

async function oursSample(ours: Ours, url: string, kind: 'one' | 'floor-one' = 'one'): Promise<Sample> {
  const { timings: t } = (await ours.run({ kind, url } as OursJob)) as Extract<OursAnswer, { kind: 'one' }>;
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

/** Per-phase medians of one cell; tls is NaN for http. */
type Medians = Record<Phase, number>;

async function main(): Promise<void> {
  const versions = requireTools();
  let runtimes: Runtime[];
  try {
    runtimes = chooseRuntimes(ARGS, join(__dirname, '..', '..'));
  } catch (error) {
    process.stderr.write(`bench:probe-peer: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const deploy = runtimes[0] as Runtime;
  const tag = (r: Runtime) => `v${majorOf(r.version)}`;
  const uptimeBefore = spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();
  const dir = mkdtempSync(join(tmpdir(), 'probe-peer-'));
  const caFile = join(dir, 'ca.pem');
  const children: ChildProcess[] = [];
  const probers: Ours[] = [];
  try {
    // The targets run on the deploy runtime too (their CPU is charged to no prober).
    const targets = spawn(deploy.execPath, [join(__dirname, 'peer-targets.js'), caFile], {
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
    const engines = new Map<string, Ours>();
    const floors = new Map<string, Ours>();
    const befores = new Map<string, Ours>();
    for (const runtime of runtimes) {
      if (BEFORE_DIR !== null) {
        const before = await Ours.start(ca, runtime, resolve(BEFORE_DIR, 'bench', 'peer-ours.js'));
        probers.push(before);
        befores.set(tag(runtime), before);
      }
      const engine = await Ours.start(ca, runtime);
      const floor = await Ours.start(ca, runtime, 'peer-floor.js');
      probers.push(engine, floor);
      engines.set(tag(runtime), engine);
      floors.set(tag(runtime), floor);
    }
    const tags = runtimes.map(tag);
    const oursTools = tags.map((t) => `ours@${t}`);
    const floorTools = tags.map((t) => `floor@${t}`);
    const beforeTools = BEFORE_DIR === null ? [] : tags.map((t) => `before@${t}`);
    // The floor's exchange inside the engine's process: separates the engine's per-probe work
    // from what its process (heap, loaded code) costs any exchange run there.
    const floorInTools = tags.map((t) => `floorin@${t}`);
    const sampledTools = [...oursTools, ...beforeTools, ...floorTools, ...floorInTools, 'blackbox', 'curl'];

    type Key = `${Tool} ${Scheme} ${number}`;
    const samples = new Map<Key, Sample[]>();
    const push = (tool: Tool, scheme: Scheme, delay: number, sample: Sample) => {
      const key: Key = `${tool} ${scheme} ${delay}`;
      const list = samples.get(key) ?? [];
      list.push(sample);
      samples.set(key, list);
    };
    const take = async (tool: Tool, scheme: Scheme, delay: number, record: boolean): Promise<void> => {
      const u = url(scheme, delay);
      const [kind, t] = tool.split('@') as [string, string | undefined];
      if (kind === 'curl') {
        const [first, second] = await curlPair(url(scheme, 0), u, caFile);
        if (record) {
          push('curl', scheme, delay, second);
          // The set-up transfer is always the 0 ms URL: its figures belong to the 0 ms cell.
          push('curl1', scheme, 0, first);
        }
        return;
      }
      const sample =
        kind === 'blackbox'
          ? await blackboxSample(bbBase, scheme, u)
          : kind === 'floorin'
            ? await oursSample(engines.get(t ?? '') as Ours, u, 'floor-one')
            : await oursSample(
                (kind === 'ours' ? engines : kind === 'before' ? befores : floors).get(t ?? '') as Ours,
                u,
              );
      if (record) push(tool, scheme, delay, sample);
    };
    // Warm-up: loads undici's parser, the exporter's TLS code, the page cache for curl.
    for (const tool of sampledTools)
      for (const scheme of SCHEMES) for (let i = 0; i < 5; i++) await take(tool, scheme, 0, false);

    // ── accuracy ──
    const jobs: Array<[Tool, Scheme, number]> = [];
    for (const tool of sampledTools)
      for (const scheme of SCHEMES)
        for (const delay of DELAYS) for (let i = 0; i < SAMPLES; i++) jobs.push([tool, scheme, delay]);
    const accuracyStarted = performance.now();
    for (const [tool, scheme, delay] of shuffled(jobs)) await take(tool, scheme, delay, true);
    const accuracyS = (performance.now() - accuracyStarted) / 1000;
    const medians = (tool: Tool, scheme: Scheme, delay: number): Medians => {
      const list = samples.get(`${tool} ${scheme} ${delay}`) ?? [];
      return Object.fromEntries(
        PHASES.map((p) => [p, r3(median(list.map((s) => s[p] ?? Number.NaN)))]),
      ) as Medians;
    };
    const phasesOf = (scheme: Scheme) => PHASES.filter((p) => scheme === 'https' || p !== 'tls');
    const diff = (a: Medians, b: Medians, scheme: Scheme) =>
      Object.fromEntries(phasesOf(scheme).map((p) => [p, r3(a[p] - b[p])])) as Partial<Medians>;
    /** The offsets the brief asks for, by name: `ours−floor@v22`, `floor@v22−truth`, `exporter−truth`. */
    const offsetPairs: Array<[string, Tool, Tool]> = [
      ...tags.map((t): [string, Tool, Tool] => [`ours−floor@${t}`, `ours@${t}`, `floor@${t}`]),
      ...tags.map((t): [string, Tool, Tool] => [`ours−floorin@${t}`, `ours@${t}`, `floorin@${t}`]),
      ...tags.map((t): [string, Tool, Tool] => [`floorin−floor@${t}`, `floorin@${t}`, `floor@${t}`]),
      ...(BEFORE_DIR === null
        ? []
        : tags.map((t): [string, Tool, Tool] => [`before−floor@${t}`, `before@${t}`, `floor@${t}`])),
      ...tags.map((t): [string, Tool, Tool] => [`floor@${t}−truth`, `floor@${t}`, 'curl']),
      ...tags.map((t): [string, Tool, Tool] => [`ours@${t}−truth`, `ours@${t}`, 'curl']),
      ['exporter−truth', 'blackbox', 'curl'],
      ['curlFirst−truth', 'curl1', 'curl'],
    ];
    const accuracy = SCHEMES.flatMap((scheme) =>
      DELAYS.map((delay) => ({
        scheme,
        delayMs: delay,
        medians: Object.fromEntries(
          [...sampledTools, 'curl1'].map((tool) => [
            tool === 'curl' ? 'truth' : tool,
            medians(tool, scheme, delay),
          ]),
        ),
        offsets: Object.fromEntries(
          offsetPairs.map(([name, a, b]) => [
            name,
            diff(medians(a, scheme, delay), medians(b, scheme, delay), scheme),
          ]),
        ),
      })),
    );
    // Slope of each offset over the server delay, ms per 100 ms of delay (0 = does not grow).
    const slopes = Object.fromEntries(
      SCHEMES.map((scheme) => [
        scheme,
        Object.fromEntries(
          offsetPairs.map(([name]) => [
            name,
            Object.fromEntries(
              phasesOf(scheme).map((p) => {
                const rows = accuracy.filter((a) => a.scheme === scheme);
                const ys = rows.map((a) => (a.offsets[name] as Partial<Medians>)[p] ?? Number.NaN);
                return [
                  p,
                  r3(
                    slope(
                      rows.map((a) => a.delayMs),
                      ys,
                    ) * 100,
                  ),
                ];
              }),
            ),
          ]),
        ),
      ]),
    );
    const engineOver = Object.fromEntries(
      tags.map((t) => {
        const worst = accuracy.flatMap((a) =>
          Object.entries(a.offsets[`ours−floor@${t}`] as Partial<Medians>).map(([phase, v]) => ({
            scheme: a.scheme,
            delayMs: a.delayMs,
            phase,
            ms: v ?? Number.NaN,
          })),
        );
        const over = worst.filter((w) => !(w.ms <= ENGINE_BUDGET_MS));
        const max = worst.reduce((m, w) => (w.ms > m.ms ? w : m), worst[0] ?? { ms: Number.NaN });
        return [t, { met: over.length === 0, cellsOver: over.length, cells: worst.length, max }];
      }),
    );

    if (ACCURACY_ONLY) {
      // `--accuracy-only`: the accuracy part alone (the method of the full run), for before/after
      // figures of an engine change; the JSON line has the same accuracy fields.
      const figures = {
        bench: 'probe-peer',
        parts: 'accuracy',
        at: new Date().toISOString(),
        samples: SAMPLES,
        accuracySeconds: r3(accuracyS),
        runtimes: runtimes.map((r) => ({ tag: tag(r), version: r.version })),
        uptimeBefore,
        uptimeAfter: spawnSync('uptime', { encoding: 'utf8' }).stdout.trim(),
        accuracy,
        slopesMsPer100msDelay: slopes,
        targets: { engineOverFloorMs: { budget: ENGINE_BUDGET_MS, byRuntime: engineOver } },
      };
      process.stdout.write(`${JSON.stringify(figures)}\n`);
      return;
    }

    // ── cost: CPU per probe (0 ms target, 50 in flight), alternating the probers. Each first runs
    // one unmeasured batch: what is compared is the steady state of a long-running prober ──
    const cpuProbers: Array<[string, (scheme: Scheme) => Promise<number>]> = [
      ...tags.flatMap(
        (t): Array<[string, (scheme: Scheme) => Promise<number>]> =>
          (
            [
              [`ours@${t}`, engines.get(t) as Ours],
              [`floor@${t}`, floors.get(t) as Ours],
            ] as Array<[string, Ours]>
          ).map(([name, p]) => [
            name,
            async (scheme: Scheme) => {
              const a = await p.run({
                kind: 'batch',
                url: url(scheme, 0),
                count: CPU_PROBES,
                concurrency: 50,
              });
              if (a.failures > 0) throw new Error(`${a.failures} probes of ${name} failed in the CPU batch`);
              return a.cpuUs / CPU_PROBES;
            },
          ]),
      ),
      [
        'blackbox',
        async (scheme: Scheme) =>
          (await blackboxBatch(bbBase, bbPid, url(scheme, 0), scheme, CPU_PROBES, 50)).cpuUs / CPU_PROBES,
      ],
    ];
    const cpuRuns: Record<string, Record<string, number[]>> = {};
    for (const scheme of SCHEMES) {
      const runs: Record<string, number[]> = {};
      for (const [name, batch] of cpuProbers) {
        await batch(scheme);
        runs[name] = [];
      }
      for (let round = 0; round < CPU_ROUNDS; round++)
        for (const [name, batch] of cpuProbers) runs[name]?.push(await batch(scheme));
      cpuRuns[scheme] = runs;
    }
    const cpuUs = Object.fromEntries(
      cpuProbers.map(([name]) => [
        name,
        Object.fromEntries(SCHEMES.map((s) => [s, r3(median(cpuRuns[s]?.[name] ?? []))])),
      ]),
    ) as Record<string, Record<Scheme, number>>;
    const cpuRatio = Object.fromEntries(
      tags.map((t) => [
        t,
        Object.fromEntries(
          SCHEMES.map((s) => [s, r3((cpuUs[`ours@${t}`]?.[s] ?? 0) / (cpuUs.blackbox?.[s] ?? 1))]),
        ),
      ]),
    );

    // ── memory on the deploy runtime: 32 in flight on a 50 ms target, in a fresh engine process ──
    const fresh = await Ours.start(ca, deploy);
    for (let k = 0; k < 5; k++) await fresh.run({ kind: 'one', url: url('http', 0) });
    const rssOurs = await fresh.run({ kind: 'batch', url: url('http', 50), count: 32 * 20, concurrency: 32 });
    fresh.stop();
    const rssBb = await blackboxBatch(bbBase, bbPid, url('http', 50), 'http', 32 * 20, 32);
    const bareRss = await settledRss(children, deploy.execPath, ['-e', BARE_UNDICI]);
    const afterOneRss = await settledRss(children, deploy.execPath, [
      '-e',
      UNDICI_AFTER_REQUEST,
      url('http', 0),
    ]);
    const undici32 = spawnSync(deploy.execPath, ['-e', UNDICI_32, url('http', 50), String(32 * 20)], {
      cwd: join(__dirname, '..', '..'),
      encoding: 'utf8',
    });
    const undici32Rss = Number(undici32.stdout.trim());

    // ── fan-out on the deploy runtime: FANOUT targets with random 0-200 ms delays, one go per tool ──
    const o = engines.get(tag(deploy)) as Ours;
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

    // ── capacity: targets a minute per runtime and scheme. Each step runs a CAPACITY_WINDOW_S slice
    // of a one-minute schedule at that rate (the same gap as a full minute, fewer targets),
    // doubling the rate. Two readings of "median inflation ≤ 1 ms" (inflation = total minus the
    // server's delay): absolute, as the earlier figure was taken (it includes the exchange
    // itself: a handshake alone is ~2 ms here, so https cannot pass it at any rate), and added by
    // load, over the first (250 a minute, about one in flight) step's median. The steps stop when
    // the load-added reading passes 1 ms ──
    type Capacity = { targetsPerMinute: number; absoluteTargetsPerMinute: number; steps: unknown[] };
    const capacity: Record<string, Record<Scheme, Capacity>> = {};
    for (const t of tags) {
      const engine = engines.get(t) as Ours;
      const perScheme = {} as Record<Scheme, Capacity>;
      for (const scheme of SCHEMES) {
        const steps: Array<{
          perMinute: number;
          targets: number;
          gapMs: number;
          inflationMedianMs: number;
          inflationP95Ms: number;
          failures: number;
        }> = [];
        let best = 0;
        let bestAbsolute = 0;
        let baseline: number | null = null;
        for (let perMinute = CAPACITY_START; perMinute <= CAPACITY_MAX; perMinute *= 2) {
          const count = Math.max(20, Math.round((perMinute * CAPACITY_WINDOW_S) / 60));
          const stepGap = 60_000 / perMinute;
          const stepDelays = Array.from({ length: count }, () => randomInt(201));
          const stepUrls = stepDelays.map((d, i) => `${url(scheme, d)}?c=${i}`);
          const answer = await engine.run({
            kind: 'fanout',
            urls: stepUrls,
            concurrency: count,
            gapMs: stepGap,
          });
          const figures = inflation(answer.totals, stepDelays, answer.wallMs, answer.failures);
          steps.push({
            perMinute,
            targets: count,
            gapMs: r3(stepGap),
            inflationMedianMs: figures.inflationMedianMs,
            inflationP95Ms: figures.inflationP95Ms,
            failures: figures.failures,
          });
          baseline ??= figures.inflationMedianMs;
          if (figures.failures > 0) break;
          if (figures.inflationMedianMs <= CAPACITY_INFLATION_MS) bestAbsolute = perMinute;
          if (!(figures.inflationMedianMs - baseline <= CAPACITY_INFLATION_MS)) break;
          best = perMinute;
        }
        perScheme[scheme] = { targetsPerMinute: best, absoluteTargetsPerMinute: bestAbsolute, steps };
      }
      capacity[t] = perScheme;
    }

    // ── report ──
    const figures = {
      bench: 'probe-peer',
      at: new Date().toISOString(),
      samples: SAMPLES,
      accuracySeconds: r3(accuracyS),
      machine: `${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
      runtimes: runtimes.map((r) => ({ tag: tag(r), version: r.version, execPath: r.execPath })),
      benchNode: process.version,
      tools: { ...versions },
      truth:
        "curl's second connection in one process (Connection: close, --no-sessionid; num_connects = 1 checked)",
      uptimeBefore,
      uptimeAfter: spawnSync('uptime', { encoding: 'utf8' }).stdout.trim(),
      loadAfter: loadavg().map((l) => r3(l)),
      accuracy,
      slopesMsPer100msDelay: slopes,
      targets: {
        engineOverFloorMs: { budget: ENGINE_BUDGET_MS, byRuntime: engineOver },
        httpsCpuOursOverExporter: {
          target: 0.75,
          byRuntime: Object.fromEntries(
            tags.map((t) => [t, { ratio: cpuRatio[t]?.https, met: (cpuRatio[t]?.https ?? 9) <= 0.75 }]),
          ),
        },
        capacityTargetsPerMinute: Object.fromEntries(
          tags.map((t) => [
            t,
            {
              loadAdded: {
                http: capacity[t]?.http.targetsPerMinute,
                https: capacity[t]?.https.targetsPerMinute,
              },
              absolute: {
                http: capacity[t]?.http.absoluteTargetsPerMinute,
                https: capacity[t]?.https.absoluteTargetsPerMinute,
              },
            },
          ]),
        ),
      },
      cpuUsPerProbe: { ...cpuUs, runs: cpuRuns },
      rssMB: {
        runtime: deploy.version,
        ours32: r3(rssOurs.peakRssBytes / 1e6),
        blackbox32: r3(rssBb.peakRssBytes / 1e6),
        bareNodeWithUndici: r3(bareRss / 1e6),
        bareNodeWithUndiciAfterOneRequest: r3(afterOneRss / 1e6),
        undiciRequest32: r3(undici32Rss / 1e6),
      },
      fanout,
      capacity,
      ratios: {
        cpuOursOverBlackbox: cpuRatio,
        cpuFloorOverBlackbox: Object.fromEntries(
          tags.map((t) => [
            t,
            Object.fromEntries(
              SCHEMES.map((s) => [s, r3((cpuUs[`floor@${t}`]?.[s] ?? 0) / (cpuUs.blackbox?.[s] ?? 1))]),
            ),
          ]),
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
    for (const p of probers) p.stop();
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
  runtimes: Array<{ tag: string; version: string }>;
  tools: Record<string, string>;
  uptimeBefore: string;
  uptimeAfter: string;
  accuracy: Array<{ scheme: string; delayMs: number; offsets: Record<string, Partial<Medians>> }>;
  slopesMsPer100msDelay: Record<string, Record<string, Partial<Medians>>>;
  targets: unknown;
  cpuUsPerProbe: Record<string, unknown>;
  rssMB: Record<string, unknown>;
  fanout: Record<string, unknown>;
  capacity: unknown;
}): void {
  const n = (v: number | undefined) => (v === undefined ? '' : v.toFixed(3)).padStart(8);
  const names = Object.keys(f.accuracy[0]?.offsets ?? {});
  const lines = [
    `probe-peer: ${f.samples} samples per tool, scheme and delay, random order; ${f.machine}; runtimes ${f.runtimes.map((r) => r.version).join(', ')}`,
    `${f.tools.curl}; ${f.tools.blackbox}`,
    `uptime before: ${f.uptimeBefore}`,
    `uptime after:  ${f.uptimeAfter}`,
    '',
    'offsets of the medians (ms), per phase: connect / tls / first byte / total',
    ...f.accuracy.flatMap((a) => [
      `${a.scheme} ${a.delayMs} ms`,
      ...names.map((name) => {
        const o = a.offsets[name] ?? {};
        return `  ${name.padEnd(18)}${n(o.connect)}${n(o.tls)}${n(o.ttfb)}${n(o.total)}`;
      }),
    ]),
    '',
    `slopes (ms per 100 ms of delay): ${JSON.stringify(f.slopesMsPer100msDelay)}`,
    `targets: ${JSON.stringify(f.targets)}`,
    `CPU per probe (µs): ${JSON.stringify(Object.fromEntries(Object.entries(f.cpuUsPerProbe).filter(([k]) => k !== 'runs')))}`,
    `RSS (MB): ${JSON.stringify(f.rssMB)}`,
    ...Object.entries(f.fanout).map(([k, v]) => `fan-out ${k}: ${JSON.stringify(v)}`),
    `capacity: ${JSON.stringify(f.capacity)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:probe-peer failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
