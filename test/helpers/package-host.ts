/*
 * The staged deployment package served the way the Functions worker loads it, for the package
 * tests: app settings become the process environment (as the host gives them to the worker), the
 * package's `main` is loaded, and the local host serves its HTTP and queue functions. Timers are
 * run by the tests themselves (`runTimer`), once each, so every run is the one under test.
 */
import type { RecordingLogger } from '../../scripts/local-host/invocation-logger';
import { invoke } from '../../scripts/local-host/invoke';
import { type LocalHost, startLocalHost } from '../../scripts/local-host/local-host';
import { type LoadedPackage, loadPackageFunctions } from '../../scripts/local-host/package-functions';
import { DEFAULT_QUEUE_OPTIONS } from '../../scripts/local-host/queue-poller';

/** The timer argument the host passes: not past due, no schedule status. */
const TIMER = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

export interface PackageHost {
  readonly loaded: LoadedPackage;
  readonly host: LocalHost;
  /** Runs one of the package's timer functions once, as the host would on its schedule. */
  runTimer(name: string): Promise<void>;
  /** Stops the host (the test puts back the process environment it saved, with whatever else it set). */
  stop(): Promise<void>;
}

export async function startPackageHost(
  packageDir: string,
  env: Record<string, string>,
  logger: RecordingLogger,
): Promise<PackageHost> {
  // As the worker gets them from the host: app settings are the process environment.
  Object.assign(process.env, env);
  const loaded = await loadPackageFunctions(packageDir);
  const host = await startLocalHost({
    definitions: loaded.definitions,
    env,
    logger,
    port: 0,
    timers: false,
    queueOptions: { ...DEFAULT_QUEUE_OPTIONS, maxPollMs: 200 },
  });
  return {
    loaded,
    host,
    async runTimer(name) {
      const definition = loaded.definitions.find((d) => d.name === name && d.kind === 'timer');
      if (definition?.kind !== 'timer') throw new Error(`the package registers no timer ${name}`);
      const outcome = await invoke({
        logger,
        functionName: name,
        trigger: 'timer',
        detail: 'test',
        run: (context) => definition.handler(TIMER, context),
      });
      if (!outcome.ok) throw outcome.error;
    },
    stop: () => host.stop(),
  };
}
