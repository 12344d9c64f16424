import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FUNCTIONS } from '../functions/registry';
import { Container, setContainer } from '../shared/composition-root';
import { parseConfig } from '../shared/config/config';
import { isAppError } from '../shared/errors';
import { readHostJson } from './local-host/host-json';
import { consoleLogger } from './local-host/invocation-logger';
import { baseEnv, definedOnly, readLocalSettings, withLocalDefaults } from './local-host/local-env';
import { type LocalHost, startLocalHost } from './local-host/local-host';
import { LOCAL_SERVICES, type RunningServices, startServices } from './local-host/local-services';

const USAGE = `Usage: npm run local -- [--port <port>] [--quiet]

Runs the whole product on this machine: Azurite in memory, then every function of functions/registry.ts
served like \`func start\` (HTTP under /api, Event Grid webhook, timers, storage queues).
  --port <port>  listen on this port (default: LOCAL_PORT, local.settings.json Host.LocalHttpPort, 7071)
  --quiet        print only the ready line (warnings and errors still go to stderr)`;

/** The repository root: dist/scripts/local.js lives two levels below it. */
const APP_ROOT = resolve(__dirname, '..', '..');

function parsePort(value: string | undefined, origin: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`${origin}: expected a port number, got "${value}"`);
  return port;
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      port: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean' },
    },
  });
  if (args.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const logger = consoleLogger({ quiet: args.quiet === true });
  const localSettings = readLocalSettings(join(APP_ROOT, 'local.settings.json'));
  const hostSettings = readHostJson(join(APP_ROOT, 'host.json'));
  const port =
    parsePort(args.port, '--port') ??
    parsePort(process.env.LOCAL_PORT, 'LOCAL_PORT') ??
    localSettings?.localHttpPort ??
    7071;

  let services: RunningServices | undefined;
  let host: LocalHost | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: stopping`);
    await host?.stop();
    await services?.stop();
    process.exit(0);
  };
  // Registered before anything starts, so a signal during startup still stops what is already running.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutdown(signal));

  try {
    services = await startServices(LOCAL_SERVICES, baseEnv(process.env, localSettings?.values), logger);
    const env = definedOnly(withLocalDefaults(services.env));
    // func start hands the settings to the worker as environment variables; code that reads process.env sees the same.
    Object.assign(process.env, env);
    setContainer(new Container({ env, appRoot: APP_ROOT }));
    warnAboutConfig(env, logger.warn);
    host = await startLocalHost({
      definitions: FUNCTIONS,
      env,
      logger,
      port,
      routePrefix: hostSettings.routePrefix,
      queueOptions: hostSettings.queues,
    });
  } catch (error) {
    logger.error((error as Error).message);
    await host?.stop();
    await services?.stop();
    process.exit(1);
  }
  if (stopping) return;

  for (const s of services.started) if (s.describe !== undefined) logger.info(`  ${s.describe}`);
  logger.info('Functions:');
  for (const f of host.functions) logger.info(`  ${f.name}: ${f.trigger} ${f.where}`);
  logger.info('Auth levels are not enforced locally (as with func start). Ctrl+C stops everything.');
  const dashboard = FUNCTIONS.find((f) => f.kind === 'http' && f.options.route === 'dashboard');
  const hint =
    dashboard === undefined ? `health: ${host.url}/api/health` : `dashboard: ${host.url}/api/dashboard`;
  process.stdout.write(`Private Link Gatekeeper local host ready at ${host.url} (${hint})\n`);
}

/** A bad setting does not stop the host (health reports it), but the developer should see it at once. */
function warnAboutConfig(env: Record<string, string>, warn: (message: string) => void): void {
  try {
    parseConfig(env);
  } catch (error) {
    warn(isAppError(error) ? error.message : `settings cannot be read: ${(error as Error).message}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
