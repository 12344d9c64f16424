import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { Container, type ContainerOptions } from '../../shared/composition-root';

/** Connection string of the Azurite the global setup started. */
export function azuriteConnectionString(): string {
  return inject('azuriteConnectionString');
}

/** A table prefix no other test uses, so tests sharing one Azurite never see each other's rows. */
export function uniqueTablePrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

/**
 * A container wired to the test Azurite with a fresh table prefix and queues of its own (named after
 * the prefix, so a second container given the same prefix shares them, as two instances would);
 * extra env and options override.
 */
export function testContainer(
  env: Record<string, string> = {},
  options: Partial<ContainerOptions> = {},
): Container {
  const prefix = env.TABLE_NAME_PREFIX ?? uniqueTablePrefix();
  return new Container({
    env: {
      AzureWebJobsStorage: azuriteConnectionString(),
      TABLE_NAME_PREFIX: prefix,
      NOTIFY_QUEUE_NAME: `${prefix}-notify`,
      PROBE_QUEUE_NAME: `${prefix}-probe`,
      RECONCILE_QUEUE_NAME: `${prefix}-reconcile`,
      ...env,
    },
    ...options,
  });
}
