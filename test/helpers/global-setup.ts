import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type AzuriteInstance, startAzurite } from '../../emulators/azurite';
import { unsupportedNodeMessage } from '../../scripts/node-runtime';
import { hostBuildDir } from './test-build-dirs';

declare module 'vitest' {
  export interface ProvidedContext {
    azuriteConnectionString: string;
    /** This run's private build folder: the staged package and the host are built there once, on first use (test-build.ts). */
    testBuildDir: string;
  }
}

let azurite: AzuriteInstance | undefined;
let testBuildDir: string | undefined;

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
  // Empty until a test needs it: a run of unit tests builds nothing.
  testBuildDir = mkdtempSync(join(tmpdir(), 'plg-test-build-'));
  project.provide('testBuildDir', testBuildDir);
}

export async function teardown(): Promise<void> {
  await azurite?.stop();
  if (testBuildDir !== undefined) {
    rmSync(testBuildDir, { recursive: true, force: true });
    rmSync(hostBuildDir(testBuildDir), { recursive: true, force: true });
  }
}
