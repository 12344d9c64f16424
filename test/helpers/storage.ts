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

/** A container wired to the test Azurite with a fresh table prefix; extra env and options override. */
export function testContainer(
  env: Record<string, string> = {},
  options: Partial<ContainerOptions> = {},
): Container {
  return new Container({
    env: { AzureWebJobsStorage: azuriteConnectionString(), TABLE_NAME_PREFIX: uniqueTablePrefix(), ...env },
    ...options,
  });
}
