// `npm run package`: the deployment package, chosen from the working tree by an explicit allowlist
// (no ignore file decides what ships), written as dist/package/app.zip and staged unzipped, from the
// zip's own bytes, as dist/package/app/. Needs `npm run build` first. Prints every top-level entry
// with its size and the zip's total.
//
// The staged folder is what `azd deploy` uploads: azure.yaml's `dist` points at it and turns remote
// build off, so azd zips that folder as it is (Azure/azure-dev cli/azd/pkg/project/
// project_utils.go createDeployableZip; docs/deploy.md). `az functionapp deployment source
// config-zip --src dist/package/app.zip` uploads the zip; both carry the same files.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { type Zippable, zipSync } from 'fflate';
import { findAppRoot } from '../shared/host/app-root';
import { STAGED_PACKAGE_DIR, stagePackage } from './package-stage';

export { STAGED_PACKAGE_DIR };

export const PACKAGE_PATH = 'dist/package/app.zip';

/** What the app cannot run without; a package missing one of these is refused. */
export const REQUIRED_FILES: readonly string[] = ['host.json', 'package.json', 'dist/bundle/main.js'];
export const REQUIRED_DIRS: readonly string[] = ['dist/bundle/chunks', 'dist/dashboard/assets'];
/** The host's configuration and the file whose `main` the worker loads. */
export const ROOT_FILES: readonly string[] = ['host.json', 'package.json'];
/** Taken along when the deployer created them (docs/deploy.md): the policy and the probe targets. */
export const OPTIONAL_FILES: readonly string[] = ['approval-policy.yaml', 'probe-targets.yaml'];
/** Folders shipped whole: the bundle (entry and chunks) and the dashboard's browser assets. */
export const PACKAGE_DIRS: readonly string[] = ['dist/bundle', 'dist/dashboard/assets'];
// Source maps would only add size; the bundle is what runs.
const LEFT_OUT = /\.map$/;

// Same instant for every entry: the same tree gives the same bytes (zip stores local time with 2 s
// resolution from 1980 on).
const FIXED_MTIME = new Date(2020, 0, 1, 0, 0, 0);

/** The staged folder that goes with a zip: `.../app.zip` stages into `.../app/`. */
export function stagedDirFor(zipPath: string): string {
  if (!zipPath.endsWith('.zip')) throw new Error(`${zipPath} is not a .zip path`);
  return zipPath.slice(0, -'.zip'.length);
}

/**
 * Files of the package, app-relative with forward slashes, sorted: host.json, package.json, the
 * optional policy and targets files when present, and every file under PACKAGE_DIRS but maps.
 * Node modules never ship: the bundle carries its dependencies.
 */
export function packageFiles(root: string): string[] {
  const found: string[] = [];
  for (const f of [...ROOT_FILES, ...OPTIONAL_FILES]) {
    if (existsSync(join(root, f)) && statSync(join(root, f)).isFile()) found.push(f);
  }
  const walk = (dir: string): void => {
    if (!existsSync(join(root, dir))) return;
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && !LEFT_OUT.test(entry.name)) found.push(path);
    }
  };
  for (const dir of PACKAGE_DIRS) walk(dir);
  return found.sort();
}

export interface PackageResult {
  readonly zipPath: string;
  /** The zip's entries unzipped into a folder (stagedDirFor(zipPath)). */
  readonly stagedDir: string;
  readonly files: readonly string[];
  readonly bytes: number;
}

/** Missing run-time pieces, as messages that say what to run. */
export function missingPieces(files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const f of REQUIRED_FILES) {
    if (!files.includes(f)) problems.push(`${f} is not in the package`);
  }
  for (const d of REQUIRED_DIRS) {
    if (!files.some((f) => f.startsWith(`${d}/`))) problems.push(`${d}/ is empty or not in the package`);
  }
  return problems;
}

export function buildPackage(
  root: string = findAppRoot(__dirname),
  zipPath: string = join(root, PACKAGE_PATH),
): PackageResult {
  const files = packageFiles(root);
  const problems = missingPieces(files);
  if (problems.length > 0) {
    throw new Error(`the package is incomplete (run \`npm run build\` first):\n  ${problems.join('\n  ')}`);
  }
  const entries: Zippable = {};
  for (const f of files) entries[f] = [readFileSync(join(root, f)), { mtime: FIXED_MTIME }];
  const zip = zipSync(entries, { level: 9 });
  mkdirSync(dirname(zipPath), { recursive: true });
  writeFileSync(zipPath, zip);
  // Unpacked from the zip, not copied from the tree: the folder azd uploads and `npm run local`
  // serves holds the zip's bytes by construction.
  const stagedDir = stagedDirFor(zipPath);
  stagePackage(zipPath, stagedDir);
  return { zipPath, stagedDir, files, bytes: statSync(zipPath).size };
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function main(): void {
  const root = findAppRoot(__dirname);
  const result = buildPackage(root);
  const byTop = new Map<string, { count: number; bytes: number }>();
  for (const f of result.files) {
    const top = f.startsWith('dist/') ? f.split('/').slice(0, 3).join('/') : f;
    const entry = byTop.get(top) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += statSync(join(root, f)).size;
    byTop.set(top, entry);
  }
  for (const [top, { count, bytes }] of byTop) {
    console.log(`  ${top}${count > 1 ? ` (${count} files)` : ''}: ${kib(bytes)}`);
  }
  console.log(
    `package: ${relative(root, result.zipPath)}, ${result.files.length} files, ${kib(result.bytes)} compressed; staged in ${relative(root, result.stagedDir)}/ (what azd uploads)`,
  );
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(`package: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
