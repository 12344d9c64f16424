import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { allSettingIssues, parseConfig } from '../shared/config/config';
import { formatIssues, isAppError } from '../shared/errors';
import type { RegisteredFunction } from '../shared/host/function-definition';
import { createLab, DEFAULT_SCENARIO } from './lab/lab';
import { labLogger } from './lab/lab-logger';
import { narrator } from './lab/narrative';
import { readHostJson } from './local-host/host-json';
import { consoleLogger } from './local-host/invocation-logger';
import { baseEnv, definedOnly, readLocalSettings, withLocalDefaults } from './local-host/local-env';
import { type LocalHost, startLocalHost } from './local-host/local-host';
import { chooseLocalPort } from './local-host/local-port';
import { LOCAL_SERVICES, type RunningServices, startServices } from './local-host/local-services';
import { loadPackageFunctions } from './local-host/package-functions';
import { applySources, chooseSources } from './local-sources';
import { STAGED_PACKAGE_DIR } from './package-stage';

const USAGE = `Usage: npm run local -- [--port <port>] [--scenario <file>] [--quiet] [--verbose]

Runs the whole product on this machine: Azurite in memory, then every function of the staged deployment
package (${STAGED_PACKAGE_DIR}/, unpacked from dist/package/app.zip by npm run package), loaded the way the
Functions worker loads it and served like \`func start\` (HTTP under /api, Event Grid webhook, timers, storage queues).
With the ARM emulator (ARM_ENDPOINT unset) it plays a lab scenario: consumers connect to the emulated Private
Link Services, each private endpoint gets a loopback address forwarded to the IIS stand-in while Approved,
Event Grid events reach the webhook, faults come and go, and a short narrative tells what happens (docs/local-lab.md#local-lab).
  --port <port>      listen on this port (default: LOCAL_PORT, local.settings.json Host.LocalHttpPort, 7071)
  --scenario <file>  the lab scenario to play (default: ${DEFAULT_SCENARIO})
  --quiet            print only the ready line (warnings and errors still go to stderr)
  --verbose          with a scenario, also print every invocation (hidden so the narrative stays readable)`;

/**
 * The repository root: dist/scripts/local.js lives two levels below it. LOCAL_APP_ROOT overrides it for
 * a build compiled elsewhere (the lab's end-to-end test compiles its own copy, so it never reads dist/
 * while another test rewrites it).
 */
const APP_ROOT = process.env.LOCAL_APP_ROOT?.trim() || resolve(__dirname, '..', '..');

/**
 * The package that is served: the staged deployment package (npm run package unpacks the zip there).
 * LOCAL_PACKAGE_DIR overrides it for a package staged elsewhere (the tests stage theirs privately).
 */
const PACKAGE_DIR = resolve(APP_ROOT, process.env.LOCAL_PACKAGE_DIR?.trim() || STAGED_PACKAGE_DIR);

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      port: { type: 'string' },
      scenario: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean' },
    },
  });
  if (args.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const consoleLog = consoleLogger({ quiet: args.quiet === true });
  if (!existsSync(join(PACKAGE_DIR, 'package.json'))) {
    consoleLog.error(
      `no staged package in ${PACKAGE_DIR}: npm run local builds and stages it (npm run build && npm run package).`,
    );
    process.exit(1);
  }
  const localSettings = readLocalSettings(join(APP_ROOT, 'local.settings.json'));
  // The host.json that ships decides routes and queue retries, as it does in Azure.
  const hostSettings = readHostJson(join(PACKAGE_DIR, 'host.json'));
  const port = chooseLocalPort(args.port, process.env.LOCAL_PORT, localSettings?.localHttpPort);

  const story = narrator((text) => process.stdout.write(text));
  const lab = createLab({
    appRoot: APP_ROOT,
    ...(args.scenario === undefined ? {} : { scenarioPath: args.scenario }),
    // The host listens on 127.0.0.1 at this port; with port 0 the address is known only once it listens.
    ...(port === 0 ? {} : { dashboardUrl: localDashboardUrl(port, hostSettings.routePrefix) }),
    say: args.quiet === true ? () => undefined : story.say,
  });
  const logger = args.verbose === true ? consoleLog : labLogger(consoleLog, () => lab.active);
  let services: RunningServices | undefined;
  let host: LocalHost | undefined;
  let served: RegisteredFunction[] = [];
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: stopping`);
    // The lab's timeline and watchers call the host; they stop first, then the host, then the services.
    await lab.stopRun();
    await host?.stop();
    await services?.stop();
    process.exit(0);
  };
  // Registered before anything starts, so a signal during startup still stops what is already running.
  // `on`, not `once`: Ctrl+C reaches the whole process group and npm and the launcher pass it on too, so
  // a second SIGINT while stopping must not fall through to Node's default (an abrupt exit).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(signal));

  try {
    const userEnv = baseEnv(process.env, localSettings?.values);
    services = await startServices([...LOCAL_SERVICES, lab], userEnv, logger);
    const sources = chooseSources(userEnv, services.env, (path) => existsSync(join(APP_ROOT, path)));
    const env = definedOnly(withLocalDefaults(applySources(services.env, sources)));
    for (const line of sources.lines) logger.info(line);
    // func start hands the settings to the worker as environment variables; the package reads process.env
    // (its composition root is its own: nothing is injected). Relative file settings (policy, probe
    // targets, webhooks) resolve against the working directory, which is the app root.
    Object.assign(process.env, env);
    process.chdir(APP_ROOT);
    warnAboutConfig(env, logger.warn);
    const loaded = await loadPackageFunctions(PACKAGE_DIR, (level, message) =>
      level === 'error' || level === 'critical' ? logger.error(message) : logger.info(message),
    );
    served = [...loaded.definitions];
    logger.info(`package: ${relative(APP_ROOT, PACKAGE_DIR) || '.'}/ (main ${loaded.main})`);
    host = await startLocalHost({
      definitions: loaded.definitions,
      env,
      logger,
      port,
      routePrefix: hostSettings.routePrefix,
      queueOptions: hostSettings.queues,
    });
  } catch (error) {
    logger.error((error as Error).message);
    await lab.stopRun();
    await host?.stop();
    await services?.stop();
    process.exit(1);
  }
  if (stopping) return;

  for (const s of services.started) if (s.describe !== undefined) logger.info(`  ${s.describe}`);
  logger.info('Functions:');
  for (const f of host.functions) logger.info(`  ${f.name}: ${f.trigger} ${f.where}`);
  logger.info('Auth levels are not enforced locally (as with func start). Ctrl+C stops everything.');
  const dashboard = served.find((f) => f.kind === 'http' && f.options.route === 'dashboard');
  const hint =
    dashboard === undefined ? `health: ${host.url}/api/health` : `dashboard: ${host.url}/api/dashboard`;
  process.stdout.write(`Private Link Gatekeeper local host ready at ${host.url} (${hint})\n`);
  story.markReady();
  await lab.afterHostReady(host.url);
}

/** The dashboard's address on the local host (`routePrefix` from host.json, `api` by default). */
function localDashboardUrl(port: number, routePrefix: string): string {
  return `http://127.0.0.1:${port}/${routePrefix === '' ? '' : `${routePrefix}/`}dashboard`;
}

/** A bad setting does not stop the host (health reports it), but the developer should see it at once. */
function warnAboutConfig(env: Record<string, string>, warn: (message: string) => void): void {
  try {
    const issues = allSettingIssues(parseConfig(env));
    // Only the features whose settings are bad are off; say which, with every problem.
    if (issues.length > 0)
      warn(`Some features are off until their settings are fixed:\n${formatIssues(issues)}`);
  } catch (error) {
    warn(isAppError(error) ? error.message : `settings cannot be read: ${(error as Error).message}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
