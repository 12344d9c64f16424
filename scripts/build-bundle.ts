import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import type { BuildOptions, Metafile, Plugin } from 'esbuild';
import { findAppRoot } from '../shared/host/app-root';
import { BUNDLE_CHUNKS_DIR, bundleChunkOf } from '../shared/host/bundle-chunks';
import {
  type FunctionDefinition,
  type FunctionRegistration,
  registrationOf,
} from '../shared/host/function-definition';

/**
 * The production bundle the Functions host loads (package.json "main"): a CommonJS entry
 * (`main.js`) GENERATED from functions/registry.ts, holding @azure/functions and each function's
 * registration as plain data, and every function file (with what it imports: zod, yaml, undici,
 * the Azure SDKs, the use cases) in ESM chunks under `chunks/`, which the entry's lazy handler
 * (shared/host/lazy-function.ts) `import()`s on a function's first call. Function files are
 * ordinary modules with static imports; only the entry is kept light, by construction. CommonJS for the entry because Node initialising its ESM
 * loader for an `.mjs` entry alone cost more than the whole target margin; ESM with code splitting
 * for the implementations because a single CommonJS file makes V8 read all ~3 MB at cold start.
 * bench/README.md has the measurements behind both choices. The Node.js worker loads a `.js` entry
 * of a `"type": "commonjs"` package with plain `require` and an ESM one with `import()`
 * (loadScriptFile.ts in Azure/azure-functions-nodejs-worker); with plain `require` the bundled
 * library's `require('@azure/functions-core')` goes through the worker's patched
 * Module.prototype.require, which is what makes registration reach the host.
 *
 * One module graph per process: a module the entry holds (errors.ts, the HTTP adapter, settings,
 * @azure/functions) is not copied into the chunks; the chunks reach the entry's own instance
 * through the entry's exports, so an AppError thrown by an implementation is the class the
 * adapter in the entry checks with `instanceof`, and there is one composition root.
 */
export type BundleLayout =
  /** The production layout: CommonJS entry + ESM implementation chunks. */
  | 'cjs-entry'
  /** The previous layout, kept for the cold-start bench: ESM entry (`main.mjs`) with code splitting. */
  | 'esm'
  /** One CommonJS file with everything inlined (the alternative not chosen; cold-start bench only). */
  | 'single-cjs';

export interface BundleResult {
  /** Path of the entry file, relative to the repository root. */
  readonly entry: string;
  /** Packages the entry loads before any function runs (should be @azure/functions and its few helpers). */
  readonly eagerPackages: readonly string[];
  readonly eagerBytes: number;
  readonly totalBytes: number;
  /**
   * Source modules held by the entry and used by the chunks through the entry's exports (cjs-entry
   * only), and source modules present both in the entry and in a chunk (must stay empty).
   */
  readonly sharedModules: readonly string[];
  readonly duplicatedModules: readonly string[];
  /**
   * Dynamic imports (`import()`) of a CommonJS module, as `importer -> module` (must stay empty).
   * In ESM output with code splitting, esbuild gives such a module a chunk whose only export is
   * `default` (esbuild issues #3245, #4377), so `const { request } = await import('undici')` reads
   * undefined in the bundle while it works under tsc's output.
   */
  readonly commonJsDynamicImports: { readonly ours: readonly string[]; readonly packages: readonly string[] };
  /** Source files under functions/ the entry holds itself (must stay empty: they belong in chunks). */
  readonly functionFilesInEntry: readonly string[];
  /** Each function's own chunk, loaded on its first call: function name -> chunk file (cjs-entry). */
  readonly functionChunks: Readonly<Record<string, string>>;
}

const ROOT = findAppRoot(__dirname);

/** Packages the entry may load eagerly: the programming model library and what it requires itself. */
export const ALLOWED_EAGER_PACKAGES = ['@azure/functions', '@azure/functions-extensions-base', 'cookie'];

/** Name under which the CommonJS entry exports the modules the chunks share with it. */
const SHARED_EXPORT = '__plgSharedModules';
const CHUNKS = BUNDLE_CHUNKS_DIR;

// In ESM output, esbuild's require shim needs a real `require` for what the chunks require at run
// time: the CommonJS entry's shared modules and the externals. createRequire goes through the
// worker's patched Module.prototype.require. `module` exists so that a CLI guard
// (`require.main === module`) in a bundled file evaluates to false instead of throwing in ESM.
const ESM_BANNER = [
  "import { createRequire as __plgCreateRequire } from 'node:module';",
  "import { fileURLToPath as __plgFileURLToPath } from 'node:url';",
  "import { dirname as __plgDirname } from 'node:path';",
  'const require = __plgCreateRequire(import.meta.url);',
  'const __filename = __plgFileURLToPath(import.meta.url);',
  'const __dirname = __plgDirname(__filename);',
  'const module = {};',
].join('\n');

function packageOf(input: string): string | undefined {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return m?.[1];
}

/** What the entry file loads before any handler runs: itself plus the chunks it imports statically. */
function eagerClosure(
  metafile: Metafile,
  entry: string,
): { readonly inputs: string[]; readonly bytes: number } {
  const seen = new Set<string>();
  const stack = [entry];
  const inputs = new Set<string>();
  let bytes = 0;
  while (stack.length > 0) {
    const file = stack.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const output = metafile.outputs[file];
    if (output === undefined) continue;
    bytes += output.bytes;
    for (const input of Object.keys(output.inputs)) inputs.add(input);
    for (const imported of output.imports) {
      if (imported.kind === 'import-statement' && imported.external !== true) stack.push(imported.path);
    }
  }
  return { inputs: [...inputs], bytes };
}

/**
 * Every `import()` whose target esbuild read as CommonJS, in one build's metafile: from a bundled
 * module (`importer -> module`), and an entry point that is itself CommonJS (`(lazy) -> module`,
 * what a function file's `await import('some-cjs-package')` becomes).
 */
export function findCommonJsDynamicImports(
  metafile: Metafile,
  entryPoints: readonly string[] = [],
): { readonly ours: string[]; readonly packages: string[] } {
  const { inputs } = metafile;
  const found = new Set<string>();
  for (const [importer, input] of Object.entries(inputs)) {
    for (const imported of input.imports) {
      if (imported.kind === 'dynamic-import' && inputs[imported.path]?.format === 'cjs')
        found.add(`${importer} -> ${imported.path}`);
    }
  }
  for (const entry of entryPoints) {
    if (inputs[entry]?.format === 'cjs') found.add(`(lazy) -> ${entry}`);
  }
  const all = [...found].sort();
  // A package's own import() (OpenTelemetry's host detector loads its per-platform machine-id
  // reader so) is not ours to change: reported, not refused.
  const insidePackage = (edge: string) => edge.startsWith('node_modules/');
  return { ours: all.filter((e) => !insidePackage(e)), packages: all.filter(insidePackage) };
}

/** `functions/health.ts` -> `chunks/functions.health.mjs` (the loader names failed files the same way). */
const chunkFileOf = bundleChunkOf;

/**
 * Entry builds: every `import()` becomes an external import of the implementation's chunk file,
 * recorded in `lazy` (source path, relative to the root, by chunk file).
 */
function lazyChunksPlugin(lazy: Map<string, string>): Plugin {
  return {
    name: 'lazy-chunks',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind !== 'dynamic-import' || args.pluginData === 'lazy-chunks') return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: 'lazy-chunks',
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        const source = relative(ROOT, resolved.path);
        const file = chunkFileOf(source);
        const taken = lazy.get(file);
        if (taken !== undefined && taken !== source) {
          return { errors: [{ text: `${source} and ${taken} would both be ${file}` }] };
        }
        lazy.set(file, source);
        return { path: `./${file}`, external: true };
      });
    },
  };
}

/**
 * Chunk build: an import of a module the entry holds becomes a read of the entry's export of that
 * module (the entry sits one directory up, `require` is the banner's), recorded in `shared`.
 */
function entryModulesPlugin(entryInputs: ReadonlySet<string>, shared: Set<string>): Plugin {
  const namespace = 'plg-entry-module';
  return {
    name: 'entry-modules',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.namespace === namespace) return { path: args.path, external: true };
        if (args.pluginData === namespace || args.kind === 'entry-point') return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: namespace,
        });
        if (resolved.errors.length > 0 || resolved.external) return resolved;
        const source = relative(ROOT, resolved.path);
        if (!entryInputs.has(source)) return { path: resolved.path, sideEffects: resolved.sideEffects };
        shared.add(source);
        return { path: source, namespace };
      });
      build.onLoad({ filter: /.*/, namespace }, (args) => ({
        contents: `module.exports = require('../main.js').${SHARED_EXPORT}[${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
    },
  };
}

/**
 * The registrations of functions/registry.ts, read by evaluating it: esbuild bundles the registry
 * (packages left to node_modules) into a temporary CommonJS file under the app root, which is
 * required and removed. Importing the registry opens nothing (the composition root is lazy), so
 * this reads exactly the data the local host registers from.
 */
export async function readRegistrations(): Promise<FunctionRegistration[]> {
  const { build } = await import('esbuild');
  const dir = join(ROOT, 'dist', '.registry');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `registry-${process.pid}-${Date.now()}.cjs`);
  try {
    await build({
      absWorkingDir: ROOT,
      entryPoints: ['functions/registry.ts'],
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      packages: 'external',
      outfile: file,
      logLevel: 'warning',
    });
    const registry = createRequire(file)(file) as { readonly FUNCTIONS: readonly FunctionDefinition[] };
    return registry.FUNCTIONS.map(registrationOf);
  } finally {
    rmSync(file, { force: true });
  }
}

/** `functions/me.ts` as the entry's loader names it: `functions/me` (chunk `chunks/functions.me.mjs`). */
export function functionFileOf(name: string): string {
  return `functions/${name}`;
}

/**
 * The entry's source: app setup, one lazy registration per function (plain data and an import() of
 * the function's own file), plus one export per module the chunks share.
 */
function entrySource(registrations: readonly FunctionRegistration[], shared: readonly string[]): string {
  const imports = shared.map((s, i) => `import * as m${i} from ${JSON.stringify(`./${s}`)};`);
  const table = shared.map((s, i) => `${JSON.stringify(s)}: m${i}`).join(', ');
  const lazy = registrations.map((r) => {
    const file = functionFileOf(r.name);
    return `  lazyFunction(${JSON.stringify(r)}, ${JSON.stringify(file)}, () => import(${JSON.stringify(`./${file}.ts`)})),`;
  });
  return [
    ...imports,
    "import { app } from '@azure/functions';",
    "import { lazyFunction } from './shared/host/lazy-function';",
    "import { registerAll } from './shared/host/register';",
    '// Generated by scripts/build-bundle.ts from functions/registry.ts: registrations only.',
    'app.setup({ enableHttpStream: false });',
    'registerAll(app, [',
    ...lazy,
    ']);',
    `export const ${SHARED_EXPORT} = { ${table} };`,
    '',
  ].join('\n');
}

const ENTRY_NAMESPACE = 'plg-generated-entry';

/** Serves the generated entry source as the build's entry point `main`. */
function generatedEntryPlugin(contents: string): Plugin {
  return {
    name: 'generated-entry',
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${ENTRY_NAMESPACE}$`) }, () => ({
        path: 'entry.ts',
        namespace: ENTRY_NAMESPACE,
      }));
      build.onLoad({ filter: /.*/, namespace: ENTRY_NAMESPACE }, () => ({
        contents,
        resolveDir: ROOT,
        loader: 'ts',
      }));
    },
  };
}

function totalBytes(...metafiles: Metafile[]): number {
  return metafiles
    .flatMap((m) => Object.entries(m.outputs))
    .filter(([file]) => !file.endsWith('.map'))
    .reduce((sum, [, o]) => sum + o.bytes, 0);
}

function eagerPackagesOf(inputs: readonly string[]): string[] {
  return [...new Set(inputs.map(packageOf).filter((p): p is string => p !== undefined))].sort();
}

export async function buildBundle(
  options: { readonly outdir?: string; readonly layout?: BundleLayout } = {},
): Promise<BundleResult> {
  const { build } = await import('esbuild');
  const layout = options.layout ?? 'cjs-entry';
  const outdir = options.outdir ?? join(ROOT, 'dist', 'bundle');
  rmSync(outdir, { recursive: true, force: true });
  const common: BuildOptions = {
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    target: 'node22',
    minify: true,
    sourcemap: true,
    legalComments: 'linked',
    // Provided by the Functions worker at run time; it is not an npm package.
    external: ['@azure/functions-core'],
    metafile: true,
    logLevel: 'warning',
  };
  const esm: BuildOptions = {
    format: 'esm',
    splitting: true,
    chunkNames: `${CHUNKS}/[name]-[hash]`,
    outExtension: { '.js': '.mjs' },
    banner: { js: ESM_BANNER },
  };
  const metafileOf = (result: { readonly metafile?: Metafile | undefined }): Metafile => {
    if (result.metafile === undefined) throw new Error('esbuild returned no metafile');
    return result.metafile;
  };

  const registrations = await readRegistrations();
  const entryPoints = { main: ENTRY_NAMESPACE };

  if (layout !== 'cjs-entry') {
    const generated = generatedEntryPlugin(entrySource(registrations, []));
    const metafile = metafileOf(
      await build(
        layout === 'esm'
          ? { ...common, ...esm, outdir, entryPoints, plugins: [generated] }
          : { ...common, format: 'cjs', outdir, entryPoints, plugins: [generated] },
      ),
    );
    const entry = relative(ROOT, join(outdir, layout === 'esm' ? 'main.mjs' : 'main.js'));
    const closure = eagerClosure(metafile, entry);
    return {
      entry,
      eagerPackages: eagerPackagesOf(closure.inputs),
      eagerBytes: closure.bytes,
      totalBytes: totalBytes(metafile),
      sharedModules: [],
      duplicatedModules: [],
      commonJsDynamicImports:
        layout === 'esm' ? findCommonJsDynamicImports(metafile) : { ours: [], packages: [] },
      functionFilesInEntry: [],
      functionChunks: {},
    };
  }

  // 1. What the generated entry holds and which files it loads lazily (nothing written).
  const lazy = new Map<string, string>();
  const probe = metafileOf(
    await build({
      ...common,
      format: 'cjs',
      outdir,
      entryPoints,
      plugins: [generatedEntryPlugin(entrySource(registrations, [])), lazyChunksPlugin(lazy)],
      write: false,
      sourcemap: false,
    }),
  );
  const entryInputs = new Set(Object.keys(probe.inputs));
  // 2. The function files and all they import: one ESM graph with code splitting, reusing the entry's modules.
  const shared = new Set<string>();
  const chunks = metafileOf(
    await build({
      ...common,
      ...esm,
      outdir,
      entryPoints: Object.fromEntries(
        [...lazy].map(([file, source]) => [file.replace(/\.mjs$/, ''), source]),
      ),
      plugins: [entryModulesPlugin(entryInputs, shared)],
    }),
  );
  // 3. The entry, exporting what the chunks share with it.
  const sharedModules = [...shared].sort();
  const entryBuild = metafileOf(
    await build({
      ...common,
      format: 'cjs',
      outdir,
      entryPoints,
      plugins: [generatedEntryPlugin(entrySource(registrations, sharedModules)), lazyChunksPlugin(new Map())],
    }),
  );
  const entry = relative(ROOT, join(outdir, 'main.js'));
  const entryOutput = entryBuild.outputs[entry];
  if (entryOutput === undefined) throw new Error(`esbuild did not write ${entry}`);
  const inEntry = Object.keys(entryOutput.inputs);
  const inChunks = new Set(Object.values(chunks.outputs).flatMap((o) => Object.keys(o.inputs)));
  const chunkBySource = new Map([...lazy].map(([file, source]) => [source, file]));
  return {
    entry,
    eagerPackages: eagerPackagesOf(inEntry),
    eagerBytes: entryOutput.bytes,
    totalBytes: totalBytes(chunks, entryBuild),
    sharedModules,
    duplicatedModules: inEntry.filter((i) => inChunks.has(i)).sort(),
    commonJsDynamicImports: findCommonJsDynamicImports(chunks, [...lazy.values()]),
    functionFilesInEntry: inEntry.filter((i) => i.startsWith('functions/')).sort(),
    functionChunks: Object.fromEntries(
      registrations.map((r) => [r.name, chunkBySource.get(`${functionFileOf(r.name)}.ts`) ?? '(none)']),
    ),
  };
}

/**
 * Why a built bundle must not ship, one message per problem (empty when it may): what `npm run
 * build:bundle` refuses, and what the tests' private package build refuses the same way.
 */
export function bundleProblems(result: BundleResult): string[] {
  const problems: string[] = [];
  const unexpected = result.eagerPackages.filter((p) => !ALLOWED_EAGER_PACKAGES.includes(p));
  if (unexpected.length > 0)
    // Something imported by the entry's own modules is heavy: cold start would pay for it on every instance.
    problems.push(
      `the entry loads ${unexpected.join(', ')} at cold start. The generated entry must hold registrations only; what a function uses belongs in its chunk.`,
    );
  if (result.functionFilesInEntry.length > 0)
    // A function file in the entry drags its use cases and schemas into every cold start.
    problems.push(
      `the entry holds ${result.functionFilesInEntry.join(', ')}; function files load lazily from their own chunks.`,
    );
  if (result.commonJsDynamicImports.ours.length > 0)
    // The chunk of such a module exports only `default`: named exports read off it are undefined.
    problems.push(
      `import() of a CommonJS module: ${result.commonJsDynamicImports.ours.join('; ')}. In the bundle its named exports are undefined; import it statically (the implementation that uses it is already loaded lazily).`,
    );
  if (result.duplicatedModules.length > 0)
    // Two instances of one module would mean two AppError classes, two composition roots.
    problems.push(
      `both the entry and a chunk hold ${result.duplicatedModules.join(', ')}; the chunks must reach the entry's instance.`,
    );
  return problems;
}

async function main(): Promise<void> {
  const result = await buildBundle();
  process.stdout.write(
    `bundle: ${result.entry}; loaded at cold start: ${(result.eagerBytes / 1024).toFixed(0)} KiB of ${(result.totalBytes / 1024).toFixed(0)} KiB; packages: ${result.eagerPackages.join(', ')}; shared with the chunks: ${result.sharedModules.length} modules\n`,
  );
  if (result.commonJsDynamicImports.packages.length > 0) {
    const byPackage = eagerPackagesOf(result.commonJsDynamicImports.packages);
    process.stdout.write(
      `note: ${byPackage.join(', ')} import() CommonJS modules of their own (${result.commonJsDynamicImports.packages.length} places); in the bundle such a module's named exports are undefined if that code runs\n`,
    );
  }
  const problems = bundleProblems(result);
  for (const problem of problems) process.stderr.write(`error: ${problem}\n`);
  if (problems.length > 0) process.exit(1);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
