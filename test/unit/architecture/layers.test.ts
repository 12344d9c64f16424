import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ImportEdge, importCycles, importGraph } from '../../helpers/import-graph';

/*
 * The layer rules of the server code (docs/architecture.md, "How the folders depend on each
 * other"), checked against the import graph the TypeScript pre-processor reads from the sources
 * (type-only and dynamic imports included):
 *
 *   trigger (functions/)  >  root (shared/composition-root.ts)  >  features  >  kernel
 *
 * and, beside them, the browser app (dashboard/), which server code never imports. Per feature,
 * core/ is pure; the Functions library stays at the edge. Each rule also runs once against a small
 * planted graph, so every rule is shown to be able to fail.
 */

const ROOT = join(__dirname, '..', '..', '..');
const { files, edges } = importGraph(ROOT, ['shared', 'functions']);

type Layer = 'kernel' | 'feature' | 'root' | 'trigger' | 'browser';

/**
 * The one place that says which layer each folder (or top-level file) is in. A file of shared/ or
 * functions/ that matches no entry fails the test: a new folder is given its layer here on purpose.
 * Kernel: what every feature may use and which knows none of them (errors, time, logging, version,
 * settings, storage/HTTP/ARM/network plumbing, the Functions host plumbing, caller identity).
 */
const LAYERS: readonly (readonly [prefix: string, layer: Layer])[] = [
  ['shared/errors.ts', 'kernel'],
  ['shared/clock.ts', 'kernel'],
  ['shared/log.ts', 'kernel'],
  ['shared/version.ts', 'kernel'],
  ['shared/storage/', 'kernel'],
  ['shared/http/', 'kernel'],
  ['shared/config/', 'kernel'],
  ['shared/arm/', 'kernel'],
  ['shared/net/', 'kernel'],
  ['shared/regex/', 'kernel'],
  ['shared/redact/', 'kernel'],
  ['shared/async/', 'kernel'],
  ['shared/auth/', 'kernel'],
  ['shared/host/', 'kernel'],
  ['shared/api/', 'feature'],
  ['shared/approval/', 'feature'],
  ['shared/dashboard/', 'feature'],
  ['shared/health/', 'feature'],
  ['shared/notify/', 'feature'],
  ['shared/probe/', 'feature'],
  ['shared/telemetry/', 'feature'],
  ['shared/composition-root.ts', 'root'],
  ['functions/', 'trigger'],
  // The browser app and its build script; its build output (dist/dashboard/assets/) is read as files.
  ['dashboard/', 'browser'],
];

const RANK: Record<Exclude<Layer, 'browser'>, number> = { kernel: 0, feature: 1, root: 2, trigger: 3 };

function layerOf(file: string): Layer | undefined {
  return LAYERS.find(([prefix]) => (prefix.endsWith('/') ? file.startsWith(prefix) : file === prefix))?.[1];
}

/** The unit of the folder-level rules: `shared/<folder>`, a top-level file of shared/, `functions`, `dashboard`. */
function folderOf(file: string): string {
  const nested = /^(shared\/[^/]+)\//.exec(file);
  if (nested?.[1] !== undefined) return nested[1];
  const top = /^(functions|dashboard)\//.exec(file);
  return top?.[1] ?? file;
}

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
  'shared/regex/pattern-size.ts',
  'shared/redact/redact.ts',
  'shared/redact/multi-match.ts',
  'shared/redact/secret-forms.ts',
  'shared/redact/base64-runs.ts',
  'shared/redact/url-query.ts',
  'shared/net/loopback.ts',
  'shared/config/notify-webhooks.ts',
]);
/** Packages that compute without I/O (re2js: the pure-JS RE2 port every user-written pattern runs on). */
const PURE_PACKAGES = new Set(['zod', 'croner', 'node:crypto', 're2js']);
const isAdapterEdge = (file: string) =>
  /^functions\/|^shared\/host\/|^shared\/http\/|^shared\/auth\//.test(file);

const describeEdge = (e: ImportEdge) => `${e.from} -> ${e.to}`;
const internal = (all: readonly ImportEdge[]) => all.filter((e) => !e.external);
const rankOf = (file: string): number | undefined => {
  const layer = layerOf(file);
  return layer === undefined || layer === 'browser' ? undefined : RANK[layer];
};

/** Rule a: a feature imports nothing above it (the composition root, the trigger layer). */
function featureImportsAbove(all: readonly ImportEdge[]): string[] {
  return internal(all)
    .filter((e) => layerOf(e.from) === 'feature' && (rankOf(e.to) ?? 0) > RANK.feature)
    .map(describeEdge);
}

/** Rule b: the kernel imports only the kernel (never a feature, the root or a trigger). */
function kernelImportsAbove(all: readonly ImportEdge[]): string[] {
  return internal(all)
    .filter((e) => layerOf(e.from) === 'kernel' && (rankOf(e.to) ?? 0) > RANK.kernel)
    .map(describeEdge);
}

/** Rule c: folders that import each other, directly or round a longer loop (one list per loop). */
function folderCycles(all: readonly ImportEdge[]): string[][] {
  const folderEdges = internal(all)
    .map((e): ImportEdge => ({ from: folderOf(e.from), to: folderOf(e.to), external: false }))
    .filter((e) => e.from !== e.to);
  const folders = [...new Set(folderEdges.flatMap((e) => [e.from, e.to]))].sort();
  return importCycles(folders, folderEdges);
}

/** Rule d: server code (shared/, functions/) never imports the browser app. */
function serverImportsBrowser(all: readonly ImportEdge[]): string[] {
  return internal(all)
    .filter((e) => /^(shared|functions)\//.test(e.from) && layerOf(e.to) === 'browser')
    .map(describeEdge);
}

/**
 * `import(name)` with a computed name: the graph cannot see what it loads, so no rule would hold
 * for it. Packages loaded that way on purpose (esbuild in dashboard/build.ts) live outside server code.
 */
const COMPUTED_IMPORT = /\bimport\(\s*[^'"`\s)]/;
function computedImports(sources: ReadonlyMap<string, string>): string[] {
  return [...sources].filter(([, text]) => COMPUTED_IMPORT.test(text)).map(([file]) => file);
}

/** Files of the server code that no entry of LAYERS places. */
function unplaced(sourceFiles: readonly string[]): string[] {
  return sourceFiles.filter((f) => layerOf(f) === undefined);
}

function purityViolations(all: readonly ImportEdge[]): Record<string, string[]> {
  return {
    impureCore: all
      .filter((e) => isCore(e.from))
      .filter((e) => (e.external ? !PURE_PACKAGES.has(e.to) : !isCore(e.to) && !PURE_KERNEL.has(e.to)))
      .map(describeEdge),
    impureKernel: all
      .filter((e) => PURE_KERNEL.has(e.from))
      .filter((e) => (e.external ? !PURE_PACKAGES.has(e.to) : !PURE_KERNEL.has(e.to)))
      .map(describeEdge),
    functionsLibraryOutsideAdapters: all
      .filter((e) => e.to === '@azure/functions' && !isAdapterEdge(e.from))
      .map(describeEdge),
  };
}

/*
 * Imports allowed to break rule a or c for a while, each with its reason (empty: the trigger
 * adapters moved to functions/ and health takes its ports). Each entry must still exist and still
 * break a rule, so the list cannot outlive its reason.
 */
const KNOWN_VIOLATIONS: readonly string[] = [];

const known = new Set(KNOWN_VIOLATIONS);
const ruled = edges.filter((e) => !known.has(describeEdge(e)));

describe('layers', () => {
  it('places every file of shared/ and functions/ in a layer', () => {
    expect(unplaced(files)).toEqual([]);
  });

  it('a: no feature imports the composition root or a trigger', () => {
    expect(featureImportsAbove(ruled)).toEqual([]);
  });

  it('b: the kernel imports no feature, no root, no trigger', () => {
    expect(kernelImportsAbove(ruled)).toEqual([]);
  });

  it('c: no folder-level import cycle', () => {
    expect(folderCycles(ruled)).toEqual([]);
  });

  it('d: server code never imports the browser app', () => {
    expect(serverImportsBrowser(ruled)).toEqual([]);
  });

  it('has no import() of a computed name the rules could not see', () => {
    const sources = new Map(files.map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));
    expect(computedImports(sources)).toEqual([]);
  });

  it('keeps each known violation only while it still exists and still breaks rule a or c', () => {
    const present = new Set(edges.map(describeEdge));
    const breaksA = new Set(featureImportsAbove(edges));
    const cycleFolders = folderCycles(edges);
    const inCycle = (edge: string) => {
      const [from = '', to = ''] = edge.split(' -> ');
      return cycleFolders.some((c) => c.includes(folderOf(from)) && c.includes(folderOf(to)));
    };
    const stale = KNOWN_VIOLATIONS.filter((v) => !present.has(v) || !(breaksA.has(v) || inCycle(v)));
    // A stale entry: the import is gone (or is fine now); delete it from KNOWN_VIOLATIONS.
    expect(stale).toEqual([]);
  });

  it('keeps core pure and the Functions library at the edge', () => {
    expect(purityViolations(edges)).toEqual({
      impureCore: [],
      impureKernel: [],
      functionsLibraryOutsideAdapters: [],
    });
  });

  it('has no file-level import cycle (type-only imports included)', () => {
    expect(importCycles(files, edges)).toEqual([]);
  });
});

describe('each layer rule fails on a planted violation', () => {
  const edge = (from: string, to: string): ImportEdge => ({ from, to, external: false });

  it('finds a file no layer places', () => {
    expect(unplaced(['shared/errors.ts', 'shared/billing/core/plan.ts'])).toEqual([
      'shared/billing/core/plan.ts',
    ]);
  });

  it('a: a feature importing the root or a trigger', () => {
    const planted = [
      edge('shared/probe/use-cases/run.ts', 'shared/composition-root.ts'),
      edge('shared/health/report.ts', 'functions/health.ts'),
      edge('functions/health.ts', 'shared/composition-root.ts'),
      edge('shared/probe/use-cases/run.ts', 'shared/storage/table-keys.ts'),
    ];
    expect(featureImportsAbove(planted)).toEqual([
      'shared/probe/use-cases/run.ts -> shared/composition-root.ts',
      'shared/health/report.ts -> functions/health.ts',
    ]);
  });

  it('b: the kernel importing a feature, the root or a trigger', () => {
    const planted = [
      edge('shared/config/config.ts', 'shared/notify/core/webhook-config.ts'),
      edge('shared/host/register.ts', 'shared/composition-root.ts'),
      edge('shared/http/problem.ts', 'functions/index.ts'),
      edge('shared/config/config.ts', 'shared/net/loopback.ts'),
      edge('shared/notify/wiring.ts', 'shared/config/config.ts'),
    ];
    expect(kernelImportsAbove(planted)).toEqual([
      'shared/config/config.ts -> shared/notify/core/webhook-config.ts',
      'shared/host/register.ts -> shared/composition-root.ts',
      'shared/http/problem.ts -> functions/index.ts',
    ]);
  });

  it('c: two folders importing each other, and a longer loop, with no file-level cycle', () => {
    const pair = [
      edge('shared/probe/routes/summary.ts', 'shared/health/feature-report.ts'),
      edge('shared/health/feature-report.ts', 'shared/probe/adapters/targets.ts'),
    ];
    expect(importCycles([...new Set(pair.flatMap((e) => [e.from, e.to]))], pair)).toEqual([]);
    expect(folderCycles(pair)).toEqual([['shared/health', 'shared/probe']]);
    const loop = [
      edge('shared/api/a.ts', 'shared/notify/b.ts'),
      edge('shared/notify/b.ts', 'shared/probe/c.ts'),
      edge('shared/probe/c.ts', 'shared/api/d.ts'),
    ];
    expect(folderCycles(loop)).toEqual([['shared/api', 'shared/notify', 'shared/probe']]);
    expect(folderCycles([edge('shared/notify/b.ts', 'shared/probe/c.ts')])).toEqual([]);
  });

  it('d: server code importing the browser app', () => {
    const planted = [
      edge('shared/dashboard/adapters/dashboard-assets.ts', 'dashboard/build.ts'),
      edge('functions/dashboard.ts', 'dashboard/src/main.ts'),
      edge('dashboard/src/types.ts', 'shared/probe/core/probe-event.ts'),
    ];
    expect(serverImportsBrowser(planted)).toEqual([
      'shared/dashboard/adapters/dashboard-assets.ts -> dashboard/build.ts',
      'functions/dashboard.ts -> dashboard/src/main.ts',
    ]);
  });

  it('an import() of a computed name', () => {
    const sources = new Map([
      ['shared/a.ts', 'const m = await import(moduleName);'],
      ['shared/b.ts', "const m = await import('./c');\n// a lazy import() here"],
    ]);
    expect(computedImports(sources)).toEqual(['shared/a.ts']);
  });

  it('purity: core importing I/O or the root, and the Functions library in a use case', () => {
    const planted: ImportEdge[] = [
      { from: 'shared/probe/core/x.ts', to: '@azure/data-tables', external: true },
      { from: 'shared/probe/core/x.ts', to: 'shared/composition-root.ts', external: false },
      { from: 'shared/probe/use-cases/y.ts', to: '@azure/functions', external: true },
    ];
    const violations = purityViolations(planted);
    expect(violations.impureCore).toHaveLength(2);
    expect(violations.functionsLibraryOutsideAdapters).toHaveLength(1);
  });

  it('file cycles', () => {
    expect(
      importCycles(
        ['a.ts', 'b.ts', 'c.ts'],
        [edge('a.ts', 'b.ts'), edge('b.ts', 'a.ts'), edge('b.ts', 'c.ts')],
      ),
    ).toEqual([['a.ts', 'b.ts']]);
  });
});
