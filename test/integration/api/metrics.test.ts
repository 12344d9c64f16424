import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalHost } from '../../../scripts/local-host/local-host';
import { Container, setContainer } from '../../../shared/composition-root';
import { recordResult } from '../../../shared/probe/storage/probe-store';
import { writeRunLog } from '../../../shared/probe/storage/run-log';
import { startOfUtcDay } from '../../../shared/storage/table-keys';
import { serveHttpFunctions } from '../../helpers/http-functions';
import { principalHeader } from '../../helpers/principals';
import { probeResult, storeTarget } from '../../helpers/probe-results';
import { azuriteConnectionString, uniqueTablePrefix } from '../../helpers/storage';

/*
 * GET /api/metrics over real HTTP against Azurite holding results written through the probe's own
 * store: who may scrape, what a hostile display name becomes, and that real Prometheus tools read
 * the answer (Debian's `prometheus` package: promtool, and a Prometheus server started on loopback
 * that scrapes the route and answers a query through its HTTP API).
 */

const TOKEN = 'metrics-scrape-token-for-tests-0123456789abcdef';
/** A display name that tries to end its label value and forge a sample of its own. */
const HOSTILE_NAME = 'Web "front"\\ \n} 1\nforged_metric 42';

let host: LocalHost;
let env: Record<string, string>;

/** Prometheus tools from Debian (.ci/run installs them); missing, their tests are skipped and say why. */
function hasTool(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
}
const HAS_PROMTOOL = hasTool('promtool');
const HAS_PROMETHEUS = hasTool('prometheus');
if (!HAS_PROMTOOL || !HAS_PROMETHEUS)
  console.warn(
    `metrics.test.ts: skipping the Prometheus tests: ${[!HAS_PROMTOOL && 'promtool', !HAS_PROMETHEUS && 'prometheus'].filter(Boolean).join(' and ')} not installed (Debian package \`prometheus\`; .ci/run installs it with apt)`,
  );

function useSettings(extra: Record<string, string> = {}): void {
  setContainer(new Container({ env: { ...env, ...extra } }));
}

beforeAll(async () => {
  env = {
    AzureWebJobsStorage: azuriteConnectionString(),
    TABLE_NAME_PREFIX: uniqueTablePrefix(),
    AUTH_MODE: 'easyauth',
    // An objective for `web`, so a scrape carries its error budget (read from the targets as the summary does).
    PROBE_TARGETS: JSON.stringify([
      { id: 'web', url: 'http://127.0.0.1/', slo: { availability: 99.5, window: '30d' } },
    ]),
  };
  const seeding = new Container({ env });
  const now = Date.now();
  const target = {
    ...storeTarget('web', { failureThreshold: 1, successThreshold: 1 }),
    displayName: HOSTILE_NAME,
  };
  // Three runs today (UTC), 20, 40 and 3,000 ms: each lands in a known histogram bucket.
  for (const [i, totalMs] of [20, 40, 3000].entries()) {
    // Seconds apart and never before 00:00 UTC: all three count in today's rollup.
    const scheduledAt = new Date(Math.max(now - (3 - i) * 1_000, startOfUtcDay(new Date(now)).getTime()));
    await recordResult(
      seeding,
      target,
      probeResult({ targetId: 'web', scheduledAt, totalMs, runId: `web-${i}` }),
    );
  }
  // Two runs logged today (or the older one yesterday, just after midnight): the newer one is reported.
  for (const [at, durationMs] of [
    [new Date(now - 40_000), 9_000],
    [new Date(now - 30_000), 1_500],
  ] as const)
    await writeRunLog(seeding, {
      source: 'timer',
      mode: 'inline',
      scheduledAt: at,
      startedAt: new Date(at.getTime() + 250),
      finishedAt: new Date(at.getTime() + 250 + durationMs),
      probeMs: 1_200,
      isPastDue: false,
      lastScheduled: null,
      nextScheduled: null,
      deadlineMs: 50_000,
      concurrency: 8,
      targets: 1,
      enqueued: 0,
      up: 1,
      degraded: 0,
      down: 0,
      maintenance: 0,
      writeErrors: 0,
      stateChanges: 1,
      loadError: null,
    });
  useSettings();
  host = await serveHttpFunctions();
}, 60_000);

afterAll(async () => {
  await host?.stop();
  setContainer(undefined);
});

async function scrape(
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; text: string }> {
  const response = await fetch(`${host.url}/api/metrics`, { headers });
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

const reader = { 'x-ms-client-principal': principalHeader('reader') };

describe('GET /api/metrics', () => {
  it('is a reader route: anonymous callers get 401, a principal without the role 403, readers the metrics in the 0.0.4 text format', async () => {
    useSettings();
    expect((await scrape()).status).toBe(401);
    expect((await scrape({ 'x-ms-client-principal': principalHeader('none') })).status).toBe(403);
    const { status, type, text } = await scrape(reader);
    expect(status).toBe(200);
    expect(type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text).toContain('gatekeeper_probe_target_up{target="web"} 1\n');
    expect(text).toContain('gatekeeper_probe_target_state{target="web",state="up"} 1\n');
    expect(text).toContain('gatekeeper_probe_runs_total{target="web",result="up"} 3\n');
    // 20 and 40 ms are at most 64 ms, 3 s is above 2.048 s: exact counts from the stored histogram.
    expect(text).toContain(
      'gatekeeper_probe_phase_duration_seconds_bucket{target="web",phase="total",le="0.064"} 2\n',
    );
    expect(text).toContain(
      'gatekeeper_probe_phase_duration_seconds_bucket{target="web",phase="total",le="2.048"} 2\n',
    );
    expect(text).toContain(
      'gatekeeper_probe_phase_duration_seconds_bucket{target="web",phase="total",le="4.096"} 3\n',
    );
    expect(text).toContain('gatekeeper_probe_phase_duration_seconds_sum{target="web",phase="total"} 3.06\n');
    expect(text).toContain('gatekeeper_probe_run_last_duration_seconds 1.5\n');
    expect(text).toContain('gatekeeper_probe_availability_ratio{target="web",window="24h"} 1\n');
    expect(text).toContain('gatekeeper_probe_slo_objective_ratio{target="web",window_days="30"} 0.995\n');
    expect(text).toContain('gatekeeper_probe_slo_budget_remaining_ratio{target="web"} 1\n');
  });

  it('escapes a hostile display name: the value stays inside its label, nothing forged', async () => {
    useSettings();
    const { text } = await scrape(reader);
    expect(text).toContain(
      'gatekeeper_probe_target_info{target="web",display_name="Web \\"front\\"\\\\ \\n} 1\\nforged_metric 42"} 1\n',
    );
    expect(text.split('\n').some((line) => line.startsWith('forged_metric'))).toBe(false);
  });

  it('answers OpenMetrics when asked, ending with # EOF', async () => {
    useSettings();
    const { type, text } = await scrape({ ...reader, accept: 'application/openmetrics-text; version=1.0.0' });
    expect(type).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(text).toContain('# TYPE gatekeeper_probe_runs counter\n');
    expect(text.endsWith('# EOF\n')).toBe(true);
  });

  it('with METRICS_SCRAPE_TOKEN set, only that bearer token is accepted (not a reader principal, not another token)', async () => {
    useSettings({ METRICS_SCRAPE_TOKEN: TOKEN });
    try {
      expect((await scrape()).status).toBe(401);
      expect((await scrape(reader)).status).toBe(401);
      expect((await scrape({ authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
      expect((await scrape({ authorization: `Bearer ${TOKEN.slice(0, -1)}` })).status).toBe(401);
      expect((await scrape({ authorization: `Basic ${TOKEN}` })).status).toBe(401);
      const ok = await scrape({ authorization: `Bearer ${TOKEN}` });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('gatekeeper_probe_target_up{target="web"} 1\n');
      // The refusal never echoes what was offered.
      expect((await scrape({ authorization: `Bearer ${TOKEN}x` })).text).not.toContain(TOKEN);
    } finally {
      useSettings();
    }
  });

  it('a malformed token switches the API off rather than leaving the route open', async () => {
    useSettings({ METRICS_SCRAPE_TOKEN: 'short' });
    try {
      const refused = await scrape(reader);
      expect(refused.status).toBe(500);
      expect(refused.text).not.toContain('short');
    } finally {
      useSettings();
    }
  });
});

describe.skipIf(!HAS_PROMTOOL)('promtool', () => {
  it('`promtool check metrics` finds no problem in the answer', async () => {
    useSettings();
    const { text } = await scrape(reader);
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdin.end(text);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(output.trim()).toBe('');
    expect(code).toBe(0);
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

describe.skipIf(!HAS_PROMETHEUS)('a real Prometheus server', () => {
  let prometheus: ChildProcess | undefined;
  let dir: string;
  let log = '';

  afterAll(async () => {
    const pid = prometheus?.pid;
    if (pid !== undefined && prometheus?.exitCode === null) {
      const ended = new Promise((resolve) => prometheus?.once('exit', resolve));
      process.kill(pid, 'SIGTERM');
      await ended;
    }
    setContainer(undefined);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes the route with the bearer token and answers a query for a value it read', async () => {
    useSettings({ METRICS_SCRAPE_TOKEN: TOKEN });
    dir = mkdtempSync(join(tmpdir(), 'gatekeeper-prometheus-'));
    const appAddress = new URL(host.url).host;
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: gatekeeper',
        '    metrics_path: /api/metrics',
        '    authorization:',
        '      type: Bearer',
        `      credentials: ${TOKEN}`,
        '    static_configs:',
        `      - targets: ['${appAddress}']`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    prometheus.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));

    const query = encodeURIComponent('gatekeeper_probe_runs_total{target="web",result="up"}');
    const deadline = Date.now() + 45_000;
    let value: string | undefined;
    while (value === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      try {
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${query}`);
        if (!response.ok) continue;
        const body = (await response.json()) as { data?: { result?: { value?: [number, string] }[] } };
        value = body.data?.result?.[0]?.value?.[1];
      } catch {
        // Not listening yet.
      }
    }
    expect(value, `no value from Prometheus; its log:\n${log}`).toBe('3');
    // The scrape itself was healthy (`up` is Prometheus' own record of the last scrape).
    const up = await fetch(
      `http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent('up{job="gatekeeper"}')}`,
    );
    const upBody = (await up.json()) as { data: { result: { value: [number, string] }[] } };
    expect(upBody.data.result[0]?.value[1]).toBe('1');
  }, 60_000);
});
