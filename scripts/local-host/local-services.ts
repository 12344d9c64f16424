import { startAzurite } from '../../emulators/azurite';
import type { HostLogger } from './invocation-logger';
import { type LocalEnv, withServiceEnv } from './local-env';

export interface StartedService {
  /** Settings this service provides (connection strings, endpoints); they fill settings that are still unset. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
  /** One line for the startup listing: what runs where. */
  readonly describe?: string;
}

/**
 * Something the local host starts before it serves functions. `start` receives the settings built
 * so far (process env, local.settings.json, earlier services), so a service can stand aside when
 * the user points a setting elsewhere (the ARM emulator when ARM_ENDPOINT is set, for instance).
 */
export interface LocalService {
  readonly name: string;
  start(env: LocalEnv): Promise<StartedService>;
}

export const azuriteService: LocalService = {
  name: 'azurite',
  async start() {
    const azurite = await startAzurite();
    return {
      env: { AzureWebJobsStorage: azurite.connectionString },
      stop: () => azurite.stop(),
      describe: `Azurite in memory (pid ${azurite.pid}): tables :${azurite.tablePort}, queues :${azurite.queuePort}, blobs :${azurite.blobPort}`,
    };
  },
};

/** Started in this order, stopped in reverse. */
export const LOCAL_SERVICES: readonly LocalService[] = [
  azuriteService,
  // The ARM emulator (with its data path) and the IIS stand-in come from the lab (scripts/lab/lab.ts),
  // which scripts/local.ts appends after these because it needs the --scenario option.
];

export interface RunningServices {
  readonly env: LocalEnv;
  readonly started: readonly { readonly name: string; readonly describe: string | undefined }[];
  stop(): Promise<void>;
}

/** Starts the services in order; when one fails, the ones already running are stopped before the error surfaces. */
export async function startServices(
  services: readonly LocalService[],
  initialEnv: LocalEnv,
  logger: HostLogger,
): Promise<RunningServices> {
  let env = initialEnv;
  const running: { readonly name: string; readonly service: StartedService }[] = [];
  const stopAll = async () => {
    for (const { name, service } of [...running].reverse()) {
      try {
        await service.stop();
      } catch (error) {
        logger.warn(`${name} did not stop cleanly: ${(error as Error).message}`);
      }
    }
  };
  for (const service of services) {
    let started: StartedService;
    try {
      started = await service.start(env);
    } catch (error) {
      await stopAll();
      throw new Error(`Local service ${service.name} could not start: ${(error as Error).message}`, {
        cause: error,
      });
    }
    running.push({ name: service.name, service: started });
    env = withServiceEnv(env, started.env);
  }
  return {
    env,
    started: running.map(({ name, service }) => ({ name, describe: service.describe })),
    stop: stopAll,
  };
}
