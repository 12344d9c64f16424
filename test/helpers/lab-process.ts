import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { SCENARIO_SETTINGS } from '../../scripts/lab/scenario';
import { compiledHost, stagedPackage } from './test-build';

/**
 * `npm run local --scenario <file>` as a child process of a test: the host compiled once per run,
 * serving the deployment package staged once per run (test-build.ts), never dist/ (another test or
 * a developer may be rebuilding it), with the settings a scenario decides removed from the inherited
 * environment.
 */

const ROOT = join(__dirname, '..', '..');

export interface LabProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** SIGTERM, then SIGKILL if it has not ended within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** What `npm run local` runs, built for this test run: the host's compiled scripts and the staged package. */
export interface LabBuild {
  readonly hostDir: string;
  readonly packageDir: string;
}

/** Builds (or waits for another worker's build of) the host and the package; once per test run. */
export async function buildLab(): Promise<LabBuild> {
  const [hostDir, packageDir] = await Promise.all([compiledHost(), stagedPackage()]);
  return { hostDir, packageDir };
}

/** The environment `npm run local` gets from a test: the private package, the repository as the app root. */
export function localEnv(build: LabBuild, port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LOCAL_PORT: String(port),
    LOCAL_APP_ROOT: ROOT,
    LOCAL_PACKAGE_DIR: build.packageDir,
  };
}

/** The compiled scripts/local.js of a build. */
export function localScript(build: LabBuild): string {
  return join(build.hostDir, 'scripts', 'local.js');
}

export function spawnLab(
  build: LabBuild,
  options: { readonly scenario: string; readonly port: number; readonly stateFile: string },
): LabProcess {
  const env: NodeJS.ProcessEnv = { ...localEnv(build, options.port), LAB_STATE_FILE: options.stateFile };
  for (const name of SCENARIO_SETTINGS) delete env[name];
  const child = spawn(process.execPath, [localScript(build), '--scenario', options.scenario, '--quiet'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
