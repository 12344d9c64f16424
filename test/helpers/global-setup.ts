import type { TestProject } from 'vitest/node';
import { type AzuriteInstance, startAzurite } from '../../emulators/azurite';
import { unsupportedNodeMessage } from '../../scripts/node-runtime';

declare module 'vitest' {
  export interface ProvidedContext {
    azuriteConnectionString: string;
  }
}

let azurite: AzuriteInstance | undefined;

/**
 * One Azurite for the whole run, on free ports; a run without it fails loudly here, not test by test.
 * First of all, a run on an unsupported Node.js stops here with the supported versions named: the
 * test workers are forks of this process (same `process.execPath`), so this is the runtime of every test.
 */
export async function setup(
  project: TestProject,
  runtime: { readonly version: string; readonly execPath: string } = {
    version: process.version,
    execPath: process.execPath,
  },
): Promise<void> {
  const refusal = unsupportedNodeMessage(runtime.version, runtime.execPath);
  if (refusal !== undefined) throw new Error(refusal);
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
