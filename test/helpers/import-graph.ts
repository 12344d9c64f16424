/*
 * The import graph of the product's own code, read with the TypeScript compiler's pre-processor
 * (imports, re-exports and dynamic `import()` alike, type-only ones included), so the layer rules
 * are checked against what the code really says rather than a list kept by hand.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  readonly from: string;
  /** A repository-relative file for a relative import, otherwise the package or `node:` specifier. */
  readonly to: string;
  readonly external: boolean;
}

const SOURCE = /\.(ts|mts)$/;

function listFiles(root: string, dir: string): string[] {
  const absolute = path.join(root, dir);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute).flatMap((name) => {
    const relative = path.posix.join(dir, name);
    if (statSync(path.join(root, relative)).isDirectory()) return listFiles(root, relative);
    return SOURCE.test(name) && !name.endsWith('.d.ts') ? [relative] : [];
  });
}

function resolveRelative(root: string, from: string, specifier: string): string {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  for (const candidate of [base, `${base}.ts`, `${base}.mts`, `${base}/index.ts`]) {
    const absolute = path.join(root, candidate);
    if (existsSync(absolute) && statSync(absolute).isFile()) return candidate;
  }
  return base;
}

/** Every import of every source file below `dirs` (repository-relative, posix separators). */
export function importGraph(root: string, dirs: readonly string[]): { files: string[]; edges: ImportEdge[] } {
  const files = dirs.flatMap((dir) => listFiles(root, dir));
  const edges = files.flatMap((from) => {
    const info = ts.preProcessFile(readFileSync(path.join(root, from), 'utf8'), true, true);
    return info.importedFiles.map(({ fileName }): ImportEdge => {
      const external = !fileName.startsWith('.');
      return { from, to: external ? fileName : resolveRelative(root, from, fileName), external };
    });
  });
  return { files, edges };
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
export function importCycles(files: readonly string[], edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) if (!e.external && next.has(e.to)) next.get(e.from)?.push(e.to);
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string | undefined;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (next.get(v) ?? []).includes(v)) cycles.push(component.sort());
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return cycles;
}
