import type { TestProject } from 'vitest/node';
import { type AzuriteInstance, startAzurite } from '../../emulators/azurite';

declare module 'vitest' {
  export interface ProvidedContext {
    azuriteConnectionString: string;
  }
}

let azurite: AzuriteInstance | undefined;

/** One Azurite for the whole run, on free ports; a run without it fails loudly here, not test by test. */
export async function setup(project: TestProject): Promise<void> {
  try {
    azurite = await startAzurite({ timeoutMs: 60_000 });
  } catch (error) {
    throw new Error(`Azurite could not be started for the tests: ${(error as Error).message}`);
  }
  project.provide('azuriteConnectionString', azurite.connectionString);
}

export async function teardown(): Promise<void> {
  await azurite?.stop();
}
