import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * `npm run local --scenario <file>` as a child process of a test, from a private build (another
 * e2e file may rebuild dist/ at the same time, and a half-written file must never be loaded), with
 * the settings a scenario decides removed from the inherited environment.
 */

const ROOT = join(__dirname, '..', '..');

/** What the scenario decides; a developer's shell must not. */
const SCENARIO_SETTINGS = [
  'ARM_ENDPOINT',
  'PLS_RESOURCE_IDS',
  'PROBE_TARGETS',
  'RECONCILE_SCHEDULE',
  'PROBE_SCHEDULE',
  'APPROVAL_POLICY',
  'APPROVAL_MODE',
];

export interface LabProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** SIGTERM, then SIGKILL if it has not ended within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Compiles the product into `outDir` (as `npm run local` would into dist/). */
export async function buildLab(outDir: string): Promise<void> {
  await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--outDir', outDir],
    { cwd: ROOT },
  );
}

export function spawnLab(
  outDir: string,
  options: { readonly scenario: string; readonly port: number; readonly stateFile: string },
): LabProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOCAL_PORT: String(options.port),
    LOCAL_APP_ROOT: ROOT,
    LAB_STATE_FILE: options.stateFile,
  };
  for (const name of SCENARIO_SETTINGS) delete env[name];
  const child = spawn(
    process.execPath,
    [join(outDir, 'scripts', 'local.js'), '--scenario', options.scenario, '--quiet'],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, graceMs))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
