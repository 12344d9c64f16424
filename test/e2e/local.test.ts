import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../emulators/azurite';
import { healthReportSchema } from '../../shared/api/core/meta-schemas';
import { buildLab, type LabBuild, localEnv, localScript } from '../helpers/lab-process';
import { parseBody } from '../helpers/parse-body';
import { childrenOf, isAlive } from '../helpers/processes';

const ROOT = join(__dirname, '..', '..');

describe('npm run local (scripts/local.js serving the staged package)', () => {
  let child: ChildProcess | undefined;
  let stdout = '';
  let stderr = '';
  let port = 0;
  let build: LabBuild;

  beforeAll(async () => {
    // `npm test` on a fresh clone has no dist/ yet: the run's own build of what `npm run local` runs.
    build = await buildLab();
    port = await freePort();
  }, 300_000);

  afterAll(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
  });

  it('prints one ready line, serves /api/health with Table Storage up, and stops cleanly on SIGTERM', async () => {
    const proc = spawn(process.execPath, [localScript(build), '--quiet'], {
      cwd: ROOT,
      env: {
        ...localEnv(build, port),
        // Keep the run hermetic: no timer fires during the test, and nothing may reach a real ARM.
        PROBE_SCHEDULE: '0 0 0 1 1 *',
        RECONCILE_SCHEDULE: '0 0 0 1 1 *',
        WATCH_SCHEDULE: '0 0 0 1 1 *',
        PROBE_CLEANUP_SCHEDULE: '0 0 0 1 1 *',
        ARM_ENDPOINT: 'http://127.0.0.1:9',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    proc.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal })),
    );

    const deadline = Date.now() + 60_000;
    while (!stdout.includes('ready')) {
      if (proc.exitCode !== null) throw new Error(`local host exited early (${proc.exitCode}):\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`no ready line within 60 s:\n${stdout}\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const base = `http://127.0.0.1:${port}`;
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`ready at ${base}`);

    const services = childrenOf(proc.pid ?? -1);
    expect(services.length).toBeGreaterThanOrEqual(1); // Azurite at least

    const response = await fetch(`${base}/api/health`);
    const body = await parseBody(healthReportSchema, response);
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.dependencies).toContainEqual(expect.objectContaining({ name: 'tableStorage', status: 'up' }));

    proc.kill('SIGTERM');
    const { code, signal } = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    for (const pid of services) expect(isAlive(pid), `child ${pid} still running`).toBe(false);
    expect(stdout.trim().split('\n')).toHaveLength(1); // quiet: nothing but the ready line, even on shutdown
  }, 90_000);
});
