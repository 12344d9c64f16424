/*
 * `npm run local`: checks what can fail in a second before what takes minutes. The local host's port
 * is checked first, so a busy port (another lab still running) is told at once instead of after the
 * compile, the bundle and the package; then it builds, stages the package and starts the host
 * (dist/scripts/local.js) with the same arguments, passing Ctrl+C and SIGTERM on to it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readLocalSettings } from './local-host/local-env';
import { chooseLocalPort, portInUseMessage, portIsFree } from './local-host/local-port';

/** One step of the launch: a command line run in the repository root; resolves to its exit code. */
export type RunStep = (command: string, args: readonly string[]) => Promise<number>;

/** The steps after the checks, in order: what the `local` script ran before the checks existed. */
export const LAUNCH_STEPS: readonly (readonly [string, readonly string[]])[] = [
  ['npm', ['run', 'build']],
  ['npm', ['run', 'package']],
];

/**
 * The launch, with the steps injectable (a test checks that nothing is built when the port is busy).
 * Returns the exit code: the first failing step's, or the host's.
 */
export async function launchLocal(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  appRoot: string,
  run: RunStep,
  error: (message: string) => void,
): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    // The host parses its own options (and says what is wrong with them); only --port matters here.
    options: { port: { type: 'string' }, help: { type: 'boolean' } },
    strict: false,
  });
  if (values.help !== true) {
    let port: number;
    try {
      const settings = readLocalSettings(join(appRoot, 'local.settings.json'));
      port = chooseLocalPort(
        typeof values.port === 'string' ? values.port : undefined,
        env.LOCAL_PORT,
        settings?.localHttpPort,
      );
    } catch (problem) {
      error((problem as Error).message);
      return 1;
    }
    if (!(await portIsFree(port))) {
      error(portInUseMessage(port));
      return 1;
    }
  }
  for (const [command, args] of LAUNCH_STEPS) {
    const code = await run(command, args);
    if (code !== 0) return code;
  }
  return run(process.execPath, [join('dist', 'scripts', 'local.js'), ...argv]);
}

/** Runs a step with the terminal attached; SIGINT/SIGTERM reach the running step (the host stops cleanly). */
const runInherited: RunStep = (command, args) =>
  new Promise<number>((resolve) => {
    const child = spawn(command, [...args], { stdio: 'inherit', shell: command === 'npm' });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    child.on('exit', (code) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(code ?? 1);
    });
    child.on('error', (problem) => {
      process.stderr.write(`error: cannot run ${command}: ${problem.message}\n`);
      resolve(1);
    });
  });

if (require.main === module) {
  launchLocal(process.argv.slice(2), process.env, process.cwd(), runInherited, (message) =>
    process.stderr.write(`error: ${message}\n`),
  ).then(
    (code) => process.exit(code),
    (problem: unknown) => {
      process.stderr.write(`error: ${(problem as Error).message}\n`);
      process.exit(1);
    },
  );
}
