import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  type ArmEmulator,
  type ArmEmulatorOptions,
  type ArmWorld,
  type ConnectionRecord,
  startArmEmulator,
} from '../../emulators/arm';
import { type Container, type ContainerOptions, setContainer } from '../../shared/composition-root';
import { testContainer } from './storage';

/**
 * ARM for tests: an emulator per test file and a Container wired to it (and to the test Azurite),
 * with a static token the emulator insists on, so every test also proves the token is sent.
 */

export const TEST_TOKEN = 'test-token';

export const PROVIDER_SUBSCRIPTION = '11111111-1111-1111-1111-111111111111';
export const PROVIDER_TENANT = 'aaaaaaaa-0000-0000-0000-000000000001';
export const PROVIDER_RESOURCE_GROUP = 'rg-provider';

/** A credential that hands out TEST_TOKEN and counts how often it was asked. */
export function staticArmCredential(token = TEST_TOKEN): TokenCredential & { readonly calls: number } {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    async getToken(): Promise<AccessToken> {
      calls += 1;
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

/** Starts an emulator that only accepts TEST_TOKEN, with near-instant long-running operations. */
export function startTestArmEmulator(options: ArmEmulatorOptions = {}): Promise<ArmEmulator> {
  return startArmEmulator({ expectedToken: TEST_TOKEN, lroDurationMs: 5, ...options });
}

/**
 * Registers beforeAll/afterAll for one emulator per test file; read `.emulator` inside tests.
 * The provider subscription is registered with PROVIDER_TENANT.
 */
export function useArmEmulator(options: ArmEmulatorOptions = {}): { readonly emulator: ArmEmulator } {
  let instance: ArmEmulator | undefined;
  beforeAll(async () => {
    instance = await startTestArmEmulator(options);
    instance.world.addSubscription(PROVIDER_SUBSCRIPTION, PROVIDER_TENANT);
  });
  afterAll(async () => {
    await instance?.stop();
  });
  return {
    get emulator(): ArmEmulator {
      if (instance === undefined)
        throw new Error('The ARM emulator is started in beforeAll; use it inside tests.');
      return instance;
    },
  };
}

/**
 * A fresh emulator per test, for tests that count requests from zero or script faults: `start()`
 * inside a test starts it; after each test it is stopped and the process container is cleared.
 */
export function useArmEmulatorPerTest(): {
  start(options?: ArmEmulatorOptions): Promise<ArmEmulator>;
  readonly current: ArmEmulator | undefined;
} {
  let instance: ArmEmulator | undefined;
  afterEach(async () => {
    setContainer(undefined);
    await instance?.stop();
    instance = undefined;
  });
  return {
    async start(options = {}) {
      instance = await startTestArmEmulator(options);
      return instance;
    },
    get current() {
      return instance;
    },
  };
}

/** Retries and polls measured in milliseconds, so fault tests stay fast (override per test when timing matters). */
export const FAST_ARM_GATEWAY: NonNullable<ContainerOptions['armGateway']> = {
  retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 40, maxTotalWaitMs: 5_000, attemptTimeoutMs: 5_000 },
  lroPollIntervalMs: 5,
};

/**
 * A Container on the test Azurite (fresh table prefix) and this emulator: ARM_ENDPOINT, PLS_RESOURCE_IDS
 * and a static credential. `env` and `options` override.
 */
export function armTestContainer(
  emulator: ArmEmulator,
  plsIds: readonly string[],
  env: Record<string, string> = {},
  options: Partial<ContainerOptions> = {},
): Container {
  return testContainer(
    { ARM_ENDPOINT: emulator.url, PLS_RESOURCE_IDS: plsIds.join(','), ...env },
    { armCredential: staticArmCredential(), armGateway: FAST_ARM_GATEWAY, ...options },
  );
}

export function plsIdOf(
  name: string,
  subscriptionId = PROVIDER_SUBSCRIPTION,
  resourceGroup = PROVIDER_RESOURCE_GROUP,
): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/privateLinkServices/${name}`;
}

export function privateEndpointIdOf(
  subscriptionId: string,
  name: string,
  resourceGroup = 'rg-consumer',
): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/privateEndpoints/${name}`;
}

/** A GUID derived from a number, so generated consumers are stable across runs. */
export function guidOf(n: number, prefix = 'c0'): string {
  const hex = n.toString(16).padStart(12, '0');
  return `${prefix.padEnd(8, '0').slice(0, 8)}-0000-4000-8000-${hex}`;
}

/**
 * Adds `perPls` Pending connections to each PLS (which must exist), consumers spread over
 * `consumerSubscriptions` round-robin, request messages from `requestMessage(i)`.
 */
export function populateConnections(
  world: ArmWorld,
  options: {
    readonly plsIds: readonly string[];
    readonly perPls: number;
    readonly consumerSubscriptions: readonly string[];
    readonly requestMessage?: (index: number) => string;
    readonly status?: 'Pending' | 'Approved' | 'Rejected';
  },
): ConnectionRecord[] {
  const created: ConnectionRecord[] = [];
  let index = 0;
  for (const plsId of options.plsIds) {
    for (let i = 0; i < options.perPls; i++, index++) {
      const subscription = options.consumerSubscriptions[index % options.consumerSubscriptions.length];
      if (subscription === undefined)
        throw new Error('populateConnections needs at least one consumer subscription.');
      created.push(
        world.addConnection({
          plsId,
          privateEndpointId: privateEndpointIdOf(subscription, `pe-${index}`),
          status: options.status ?? 'Pending',
          requestMessage:
            options.requestMessage?.(index) ?? `CHG${String(index).padStart(7, '0')} - generated`,
        }),
      );
    }
  }
  return created;
}
