import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { buildDashboard } from '../../dashboard/build';
import { buildBundle, bundleProblems } from '../../scripts/build-bundle';
import { buildPackage } from '../../scripts/package';
import { hostBuildDir } from './test-build-dirs';

/**
 * What the end-to-end and package tests run, built once per test run into the run's private folder
 * (never dist/, which a developer's build may be rewriting): the deployment package, built and
 * zipped the way `npm run build && npm run package` does and staged from the zip, and the local
 * host's compiled scripts. Test files run in parallel workers: the first to ask builds under a lock
 * (an exclusive mkdir), the others wait for its marker, so nobody reads a half-written folder.
 */

const ROOT = join(__dirname, '..', '..');
const WAIT_MS = 600_000;

/** What a package holds besides the built files (the user's policy and targets files are not copied). */
const PACKAGE_SOURCES = ['host.json', 'package.json'];

const built = new Map<string, Promise<string>>();

function onceInRun(
  name: string,
  build: (dir: string) => Promise<void>,
  where: (runDir: string) => string = (runDir) => join(runDir, name),
): Promise<string> {
  const existing = built.get(name);
  if (existing !== undefined) return existing;
  const promise = buildOrWait(name, build, where);
  built.set(name, promise);
  return promise;
}

async function buildOrWait(
  name: string,
  build: (dir: string) => Promise<void>,
  where: (runDir: string) => string,
): Promise<string> {
  const runDir = inject('testBuildDir');
  const dir = where(runDir);
  const marker = join(runDir, name);
  const done = `${marker}.done`;
  const failed = `${marker}.failed`;
  let owner = false;
  try {
    mkdirSync(`${marker}.lock`);
    owner = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (owner) {
    try {
      await build(dir);
      writeFileSync(done, '');
      return dir;
    } catch (error) {
      writeFileSync(failed, (error as Error).stack ?? String(error));
      throw error;
    }
  }
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (existsSync(done)) return dir;
    if (existsSync(failed))
      throw new Error(`the ${name} build failed in another worker:\n${readFileSync(failed, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`the ${name} build did not finish within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * The staged deployment package folder: the bundle (refused on the same problems as `npm run
 * build:bundle`), the dashboard assets, host.json and package.json, chosen and zipped by scripts/package.ts and
 * staged from that zip (buildPackage writes `app.zip` and unpacks it into `app/`). It lies outside the repository, so no node_modules
 * above it can answer a require the package itself cannot.
 */
export async function stagedPackage(): Promise<string> {
  const dir = await onceInRun('package', async (dir) => {
    const root = join(dir, 'root');
    mkdirSync(root, { recursive: true });
    for (const file of PACKAGE_SOURCES) copyFileSync(join(ROOT, file), join(root, file));
    const bundle = await buildBundle({ outdir: join(root, 'dist', 'bundle') });
    const problems = bundleProblems(bundle);
    if (problems.length > 0) throw new Error(`the bundle must not ship:\n${problems.join('\n')}`);
    await buildDashboard({ root: ROOT, outdir: join(root, 'dist', 'dashboard', 'assets') });
    buildPackage(root, join(dir, 'app.zip'));
  });
  return join(dir, 'app');
}

/** The local host's scripts (scripts/local.ts and what it imports) compiled with tsc, as `npm run build:tsc` does into dist/. */
export async function compiledHost(): Promise<string> {
  return onceInRun(
    'host',
    async (dir) => {
      await promisify(execFile)(
        process.execPath,
        [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--outDir', dir],
        { cwd: ROOT },
      );
    },
    hostBuildDir,
  );
}
