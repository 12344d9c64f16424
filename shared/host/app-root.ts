import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The app root: the nearest directory at or above `start` that holds host.json. The same answer
 * from sources (tests), from dist/ (tsc output) and from dist/bundle/ (the deployed package).
 */
export function findAppRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'host.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no host.json above ${start}`);
    dir = parent;
  }
  return dir;
}
