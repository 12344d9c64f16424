import { basename, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * Where this run's compiled host goes. It must sit inside the repository (its requires resolve in
 * node_modules), while the staged package must sit outside it (test-build.ts). It is named after the
 * run's private folder, and the global teardown removes both.
 */
export function hostBuildDir(runDir: string): string {
  return join(ROOT, 'dist', 'test-build', basename(runDir));
}
