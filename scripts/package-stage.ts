// The staged package: the deployment zip unpacked into a folder, so what the local host and the
// package tests load is byte for byte what ships (nothing is copied from the working tree).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { unzipSync } from 'fflate';

/** Where `npm run package` unpacks dist/package/app.zip; `npm run local` serves from here. */
export const STAGED_PACKAGE_DIR = 'dist/package/app';

/** A zip entry name that stays inside the folder it is unpacked into (no absolute path, no `..`). */
function safeEntry(name: string): string {
  const path = normalize(name);
  if (name.includes('\\') || isAbsolute(path) || path === '..' || path.startsWith(`..${sep}`))
    throw new Error(`the package holds an entry outside its folder: ${JSON.stringify(name)}`);
  return path;
}

/**
 * Replaces `dir` with the zip's content and returns the files written (sorted, forward slashes).
 * The folder is removed first, so nothing from an earlier package survives in it.
 */
export function stagePackage(zipPath: string, dir: string): string[] {
  const entries = unzipSync(readFileSync(zipPath));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const [name, bytes] of Object.entries(entries)) {
    if (name.endsWith('/')) continue; // a directory entry; its files create it
    const target = join(dir, safeEntry(name));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
    files.push(name);
  }
  return files.sort();
}
