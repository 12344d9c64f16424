import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ImportEdge, importCycles, importGraph } from '../../helpers/import-graph';

/*
 * The layer rules of shared/ (docs/architecture.md): per feature, core/ is pure, use cases get
 * narrow dependency bundles, and only trigger adapters (functions/, routes/, handlers/) and the
 * wiring reach the composition root or the Functions library.
 */

const ROOT = join(__dirname, '..', '..', '..');
const { files, edges } = importGraph(ROOT, ['shared', 'functions']);

const isCore = (file: string) => /^shared\/[^/]+\/core\//.test(file);
/** Kernel modules with no I/O that core code may use: errors, time, key and value conventions, ports. */
const PURE_KERNEL = new Set([
  'shared/errors.ts',
  'shared/clock.ts',
  'shared/config/schema-issues.ts',
  'shared/storage/table-keys.ts',
  'shared/storage/entity-values.ts',
  'shared/arm/arm-gateway.ts',
  'shared/arm/resource-id.ts',
  'shared/arm/resource-id-schema.ts',
  'shared/http/body-limits.ts',
  'shared/config/document-checks.ts',
  'shared/regex/linear-regex.ts',
  'shared/redact/redact.ts',
  'shared/net/loopback.ts',
]);
/** Packages that compute without I/O (re2js: the pure-JS RE2 port every user-written pattern runs on). */
const PURE_PACKAGES = new Set(['zod', 'croner', 'node:crypto', 're2js']);
const isAdapterEdge = (file: string) =>
  /^functions\/|^shared\/host\/|^shared\/http\/|^shared\/auth\/|\/routes\/|\/handlers\//.test(file);
const mayUseContainer = (file: string) =>
  /^functions\/|\/routes\/|\/handlers\/|\/wiring\.ts$|^shared\/health\/|^shared\/composition-root\.ts$/.test(
    file,
  );

const describeEdge = (e: ImportEdge) => `${e.from} -> ${e.to}`;

function layerViolations(all: readonly ImportEdge[]): Record<string, string[]> {
  return {
    impureCore: all
      .filter((e) => isCore(e.from))
      .filter((e) => (e.external ? !PURE_PACKAGES.has(e.to) : !isCore(e.to) && !PURE_KERNEL.has(e.to)))
      .map(describeEdge),
    impureKernel: all
      .filter((e) => PURE_KERNEL.has(e.from))
      .filter((e) => (e.external ? !PURE_PACKAGES.has(e.to) : !PURE_KERNEL.has(e.to)))
      .map(describeEdge),
    containerOutsideAdapters: all
      .filter((e) => e.to === 'shared/composition-root.ts' && !mayUseContainer(e.from))
      .map(describeEdge),
    functionsLibraryOutsideAdapters: all
      .filter((e) => e.to === '@azure/functions' && !isAdapterEdge(e.from))
      .map(describeEdge),
  };
}

describe('layers', () => {
  it('keeps core pure, the container in adapters and the Functions library at the edge', () => {
    expect(layerViolations(edges)).toEqual({
      impureCore: [],
      impureKernel: [],
      containerOutsideAdapters: [],
      functionsLibraryOutsideAdapters: [],
    });
  });

  it('has no import cycle (type-only imports included)', () => {
    expect(importCycles(files, edges)).toEqual([]);
  });

  it('notices a forbidden import and a cycle when one is planted', () => {
    const planted: ImportEdge[] = [
      { from: 'shared/probe/core/x.ts', to: '@azure/data-tables', external: true },
      { from: 'shared/probe/core/x.ts', to: 'shared/composition-root.ts', external: false },
      { from: 'shared/probe/use-cases/y.ts', to: '@azure/functions', external: true },
    ];
    const violations = layerViolations(planted);
    expect(violations.impureCore).toHaveLength(2);
    expect(violations.containerOutsideAdapters).toHaveLength(1);
    expect(violations.functionsLibraryOutsideAdapters).toHaveLength(1);
    expect(
      importCycles(
        ['a.ts', 'b.ts', 'c.ts'],
        [
          { from: 'a.ts', to: 'b.ts', external: false },
          { from: 'b.ts', to: 'a.ts', external: false },
          { from: 'b.ts', to: 'c.ts', external: false },
        ],
      ),
    ).toEqual([['a.ts', 'b.ts']]);
  });
});
