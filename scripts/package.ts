// `npm run package`: the deployment zip, built from the working tree with .funcignore applied the way
// git reads an ignore file (the `ignore` library). Needs `npm run build` first. Prints every
// top-level entry with its size and the zip's total; writes dist/package/app.zip and unpacks it into
// dist/package/app/ (the staged package `npm run local` serves).
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { type Zippable, zipSync } from 'fflate';
import ignore from 'ignore';
import { findAppRoot } from '../shared/host/app-root';
import { STAGED_PACKAGE_DIR, stagePackage } from './package-stage';

export const PACKAGE_PATH = 'dist/package/app.zip';

/** What the app cannot run without; a package missing one of these is refused. */
export const REQUIRED_FILES: readonly string[] = ['host.json', 'package.json', 'dist/bundle/main.js'];
export const REQUIRED_DIRS: readonly string[] = ['dist/bundle/chunks', 'dist/dashboard/assets'];

// Same instant for every entry: the same tree gives the same bytes (zip stores local time with 2 s
// resolution from 1980 on).
const FIXED_MTIME = new Date(2020, 0, 1, 0, 0, 0);

/**
 * Files of the package, repo-relative with forward slashes, sorted. A directory the rules exclude is
 * not entered (as in git, a file under an excluded directory cannot be taken back in); `.git` is
 * never part of a package whatever the file says.
 */
export function packageFiles(root: string, funcignore: string): string[] {
  const rules = ignore().add(funcignore);
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name === '.git' || rules.ignores(`${path}/`)) continue;
        walk(path);
      } else if (entry.isFile() && !rules.ignores(path)) {
        found.push(path);
      }
    }
  };
  walk('');
  return found.sort();
}

export interface PackageResult {
  readonly zipPath: string;
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
  const funcignorePath = join(root, '.funcignore');
  if (!existsSync(funcignorePath)) throw new Error('no .funcignore at the app root');
  const files = packageFiles(root, readFileSync(funcignorePath, 'utf8'));
  const problems = missingPieces(files);
  if (problems.length > 0) {
    throw new Error(`the package is incomplete (run \`npm run build\` first):\n  ${problems.join('\n  ')}`);
  }
  const entries: Zippable = {};
  for (const f of files) entries[f] = [readFileSync(join(root, f)), { mtime: FIXED_MTIME }];
  const zip = zipSync(entries, { level: 9 });
  mkdirSync(dirname(zipPath), { recursive: true });
  writeFileSync(zipPath, zip);
  return { zipPath, files, bytes: statSync(zipPath).size };
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
    `package: ${relative(root, result.zipPath)}, ${result.files.length} files, ${kib(result.bytes)} compressed`,
  );
  // Unpacked from the zip, not copied from the tree: what runs locally is what ships.
  const staged = stagePackage(result.zipPath, join(root, STAGED_PACKAGE_DIR));
  console.log(`staged: ${STAGED_PACKAGE_DIR}/ (${staged.length} files, from the zip)`);
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(`package: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
