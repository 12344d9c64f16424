import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ImportEdge, importGraph } from '../../helpers/import-graph';

/*
 * The trigger layer is the only door to the composition root (docs/architecture.md): function files
 * under functions/ ask it for the ports their use case declares; no file under shared/ but the root
 * itself imports it (type-only imports included: a feature names the ports it needs, not the root).
 */

const ROOT = join(__dirname, '..', '..', '..');
const ROOT_MODULE = 'shared/composition-root.ts';

function rootImportsOutsideTriggers(edges: readonly ImportEdge[]): string[] {
  return edges
    .filter((e) => e.to === ROOT_MODULE && !e.from.startsWith('functions/'))
    .map((e) => `${e.from} -> ${e.to}`)
    .sort();
}

describe('the composition root', () => {
  const { edges } = importGraph(ROOT, ['shared', 'functions']);

  it('is imported only by the trigger layer (functions/), never by a file under shared/', () => {
    expect(rootImportsOutsideTriggers(edges)).toEqual([]);
  });

  it('is what the function files use (the door exists)', () => {
    expect(
      edges.filter((e) => e.to === ROOT_MODULE && e.from.startsWith('functions/')).length,
    ).toBeGreaterThan(5);
  });

  it('notices a planted import from a feature', () => {
    expect(
      rootImportsOutsideTriggers([
        { from: 'shared/probe/use-cases/x.ts', to: ROOT_MODULE, external: false },
        { from: 'functions/me.ts', to: ROOT_MODULE, external: false },
      ]),
    ).toEqual([`shared/probe/use-cases/x.ts -> ${ROOT_MODULE}`]);
  });
});
