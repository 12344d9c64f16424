import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { freePort } from '../../emulators/azurite';
import {
  connectionDetailSchema,
  decisionListSchema,
  decisionResultSchema,
} from '../../shared/api/core/api-schemas';
import { healthReportSchema } from '../../shared/api/core/meta-schemas';
import { buildLab, type LabBuild, type LabProcess, spawnLab } from '../helpers/lab-process';

/**
 * Every shell example the docs mark as a lab example (a fence whose info string is `sh lab=<name>`)
 * runs as written with `sh -c` (dash here: POSIX, no bash or GNU extras) against `npm run local`
 * with lab/short-scenario.yaml, with only `BASE` set, as the docs say. Each must exit 0 and print
 * what its check expects (JSON parsed with the API's own schemas where the example prints a whole
 * answer). A marked example without a check, or a check without its example, fails the test.
 * Examples that need Azure (az, azd) are plain `sh` blocks and say so beside them.
 */

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);

interface Example {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly script: string;
}

/** The marked examples of README.md and docs/*.md, in document order. */
function labExamples(): Example[] {
  const files = [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  const examples: Example[] = [];
  for (const file of files.sort()) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const fence = /^( *)```sh lab=([\w-]+)\n([\s\S]*?)^\1```$/gm;
    for (const match of text.matchAll(fence)) {
      examples.push({
        file,
        line: text.slice(0, match.index).split('\n').length,
        name: match[2] ?? '',
        script: match[3] ?? '',
      });
    }
  }
  return examples;
}

/** Several JSON values one after another, as jq prints them. */
async function jsonValues(text: string): Promise<unknown[]> {
  const child = execFile('jq', ['-s', '.']);
  const out = new Promise<string>((resolve, reject) => {
    let data = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      data += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(data) : reject(new Error(`not JSON:\n${text}`))));
  });
  child.stdin?.end(text);
  return JSON.parse(await out) as unknown[];
}

const one = async <T>(schema: z.ZodType<T>, text: string): Promise<T> => {
  const values = await jsonValues(text);
  expect(values).toHaveLength(1);
  return schema.parse(values[0]);
};
const CONNECTION_NAME = /^[A-Za-z0-9][\w.-]*\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What each example must print; keyed by the name in its fence. */
const CHECKS: Record<string, (stdout: string) => Promise<void>> = {
  'list-pending': async (out) => {
    const items = (await jsonValues(out)) as { pls: string; name: string }[];
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expect(item.name).toMatch(CONNECTION_NAME);
  },
  'get-connection': async (out) => {
    const detail = await one(connectionDetailSchema, out);
    expect(detail.connection.name).toMatch(CONNECTION_NAME);
  },
  approve: async (out) => {
    expect((await one(decisionResultSchema, out)).status).toBe('Approved');
  },
  reject: async (out) => {
    expect((await one(decisionResultSchema, out)).status).toBe('Rejected');
  },
  decisions: async (out) => {
    const values = await jsonValues(out);
    const trail = decisionListSchema.parse(values.at(-1));
    expect(trail.items.length).toBeGreaterThan(0);
    const byPolicy = values.slice(0, -1) as { connectionName: string; action: string }[];
    expect(byPolicy.length).toBeGreaterThan(0);
    for (const d of byPolicy) expect(d.connectionName).toMatch(CONNECTION_NAME);
  },
  evaluate: async (out) => {
    const [summary, verdict] = (await jsonValues(out)) as [Record<string, unknown>, { action: string }];
    expect(typeof summary).toBe('object');
    expect(['approve', 'reject', 'manual']).toContain(verdict.action);
  },
  openapi: async (out) => {
    const [paths] = (await jsonValues(out)) as [string[]];
    expect(paths).toEqual(expect.arrayContaining([expect.stringContaining('/connections')]));
  },
  'read-routes': async (out) => {
    const lines = out.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^200 text\/html/);
    const [status, dependencies] = await jsonValues(lines.slice(0, -1).join('\n'));
    expect(['healthy', 'degraded']).toContain(status);
    expect(dependencies).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'tableStorage' })]));
  },
  'health-detail': async (out) => {
    const report = await one(healthReportSchema, out);
    expect(report.features).toHaveProperty('approval');
  },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The examples are written for a shell with curl and jq; where one is missing they cannot run as written. */
const MISSING_TOOLS = ['sh', 'curl', 'jq'].filter(
  (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0,
);
if (MISSING_TOOLS.length > 0)
  console.warn(`doc examples not run: ${MISSING_TOOLS.join(', ')} not on PATH (apt-get install -y curl jq)`);

describe('the docs examples are checked and portable', () => {
  it('every marked example has a check and every check its example', () => {
    const names = labExamples().map((e) => e.name);
    expect([...new Set(names)].sort()).toEqual(Object.keys(CHECKS).sort());
    expect(new Set(names).size).toBe(names.length);
  });

  it('the marked examples stay portable: no GNU-only options and no bash-only syntax', () => {
    // This machine's date and sed are GNU, so running them cannot catch these: they are named here.
    const nonPortable: readonly [RegExp, string][] = [
      [/\bdate\b[^|;\n]*\s-d\b/, 'date -d (GNU): compute the time another way'],
      [/\bsed\s+-i\b/, 'sed -i (GNU/BSD differ)'],
      [/\bgrep\s+-\w*P/, 'grep -P (GNU)'],
      [/\breadlink\s+-f\b/, 'readlink -f (GNU)'],
      [/\[\[|<<<|\$\{[^}]*\/\/|\bfunction\s+\w+/, 'bash-only syntax'],
    ];
    const found = labExamples().flatMap((e) =>
      nonPortable
        .filter(([pattern]) => pattern.test(e.script))
        .map(([, why]) => `${e.file}:${e.line}: ${why}`),
    );
    expect(found).toEqual([]);
  });
});

describe.skipIf(MISSING_TOOLS.length > 0)('the docs examples run against the lab as written', () => {
  let lab: LabProcess | undefined;
  let build: LabBuild;
  let base = '';
  let stateDir = '';

  beforeAll(async () => {
    build = await buildLab();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    stateDir = mkdtempSync(join(tmpdir(), 'plg-doc-examples-'));
    const started = spawnLab(build, {
      scenario: 'lab/short-scenario.yaml',
      port,
      stateFile: join(stateDir, 'lab.json'),
    });
    lab = started;
    const deadline = Date.now() + 90_000;
    // Ready, and the scenario's first reconciliation has decided: one connection waits for a person.
    for (;;) {
      if (started.child.exitCode !== null)
        throw new Error(`the lab exited early (${started.child.exitCode}): ${started.stderr()}`);
      if (Date.now() > deadline)
        throw new Error(`the lab did not settle:\n${started.stdout()}\n${started.stderr()}`);
      if (started.stdout().includes('ready')) {
        const pending = await fetch(`${base}/api/connections?status=Pending`)
          .then((r) => r.json() as Promise<{ items: unknown[] }>)
          .catch(() => ({ items: [] }));
        const policy = await fetch(`${base}/api/decisions?actor=policy`)
          .then((r) => r.json() as Promise<{ items: unknown[] }>)
          .catch(() => ({ items: [] }));
        if (pending.items.length > 0 && policy.items.length > 0) break;
      }
      await sleep(500);
    }
  }, 300_000);

  afterAll(async () => {
    await lab?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }, 30_000);

  it('each marked example exits 0 under sh and prints what it should', async () => {
    for (const example of labExamples()) {
      const where = `${example.file}:${example.line} (${example.name})`;
      const result = await run('sh', ['-c', example.script], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir(), BASE: base },
        timeout: 30_000,
      }).catch((error: { code?: number; stdout?: string; stderr?: string }) => {
        throw new Error(`${where} exited ${error.code}:\n${error.stdout}\n${error.stderr}`);
      });
      const check = CHECKS[example.name];
      if (check === undefined) throw new Error(`${where}: no check`);
      await check(result.stdout).catch((error: unknown) => {
        throw new Error(`${where}: ${String(error)}\n${result.stdout}`);
      });
    }
  }, 180_000);
});
