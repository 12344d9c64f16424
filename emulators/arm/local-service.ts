import { isAbsolute, resolve } from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import { loopbackArmCredential } from '../../shared/arm/loopback-credential';
import { type ArmEmulator, startArmEmulator } from './arm-emulator';
import { loadArmSeed } from './seed';

/**
 * The ARM emulator as a service of `npm run local` (structurally a scripts/local-host LocalService):
 * it stands aside when ARM_ENDPOINT is already set, otherwise starts with the seed file and provides
 * ARM_ENDPOINT and, when unset, PLS_RESOURCE_IDS (every seeded Private Link Service).
 */
export interface ArmLocalService {
  readonly name: string;
  start(env: Readonly<Record<string, string | undefined>>): Promise<{
    readonly env: Record<string, string>;
    stop(): Promise<void>;
    readonly describe: string;
    /** The running emulator (for the Event Grid bridge of issue 8), undefined when standing aside. */
    readonly emulator: ArmEmulator | undefined;
  }>;
}

export function armEmulatorLocalService(options: {
  readonly appRoot: string;
  /** Seed file, relative to appRoot; ARM_EMULATOR_SEED overrides; default arm-emulator.sample.yaml. */
  readonly seedPath?: string;
}): ArmLocalService {
  return {
    name: 'arm-emulator',
    async start(env) {
      const external = env.ARM_ENDPOINT?.trim();
      if (external !== undefined && external !== '') {
        const none: Record<string, string> = {};
        return {
          env: none,
          stop: async () => undefined,
          describe: `ARM: ${external} (ARM_ENDPOINT is set; the emulator is not started)`,
          emulator: undefined,
        };
      }
      const seedPath = env.ARM_EMULATOR_SEED?.trim() || options.seedPath || 'arm-emulator.sample.yaml';
      const seed = await loadArmSeed(isAbsolute(seedPath) ? seedPath : resolve(options.appRoot, seedPath));
      const emulator = await startArmEmulator({ seed, lroRetryAfterSeconds: 1 });
      return {
        env: {
          ARM_ENDPOINT: emulator.url,
          PLS_RESOURCE_IDS: seed.privateLinkServices.map((p) => p.id).join(','),
        },
        stop: () => emulator.stop(),
        describe: `ARM emulator ${emulator.url}: ${seed.privateLinkServices.length} Private Link Services, ${seed.connections.length} connections (seed ${seedPath})`,
        emulator,
      };
    },
  };
}

/**
 * The credential the local host gives the Container when ARM is the emulator: a fixed token, since the
 * emulator checks only that a bearer token is sent. Never used against a real ARM endpoint.
 */
export const localArmCredential: TokenCredential = loopbackArmCredential;
