import { join } from 'node:path';
import { type BicepFile, parseBicep, parseInfraFiles } from '../helpers/bicep';

export const REPO_ROOT = join(__dirname, '..', '..');

/** The repository's infra files, parsed. */
export function infraFiles(): Promise<BicepFile[]> {
  return parseInfraFiles(REPO_ROOT);
}

/** The file at `path` among `files`; fails naming it when the infra does not have it. */
export function infraFile(files: readonly BicepFile[], path: string): BicepFile {
  const found = files.find((f) => f.path === path);
  if (found === undefined) throw new Error(`missing ${path}`);
  return found;
}

/**
 * A deliberately wrong copy: the same files with one file's text edited. Fails loudly when the
 * edit does not apply, so a drift test can never pass because its mutation silently missed.
 */
export async function withEdit(
  files: readonly BicepFile[],
  path: string,
  edit: (text: string) => string,
): Promise<BicepFile[]> {
  const original = files.find((f) => f.path === path);
  if (original === undefined) throw new Error(`no file ${path}`);
  const text = edit(original.text);
  if (text === original.text) throw new Error(`the edit changed nothing in ${path}`);
  const changed = await parseBicep(path, text);
  return files.map((f) => (f.path === path ? changed : f));
}

/** Replaces exactly one occurrence (throws when there is none or several). */
export function replaceOnce(search: string, replacement: string): (text: string) => string {
  return (text) => {
    const first = text.indexOf(search);
    if (first === -1 || text.indexOf(search, first + 1) !== -1) {
      throw new Error(`expected exactly one occurrence of ${JSON.stringify(search)}`);
    }
    return text.slice(0, first) + replacement + text.slice(first + search.length);
  };
}
