import { rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { BuildOptions, Metafile } from 'esbuild';
import { findAppRoot } from '../shared/host/app-root';

/**
 * The production bundle the Functions host loads (package.json "main"). ESM with code splitting:
 * the entry holds @azure/functions and the function definitions only, and every implementation
 * (with zod, yaml, undici and the Azure SDKs) sits in a chunk that `await import()` loads on first
 * call. A single CommonJS file would make V8 read all ~2 MB at cold start; bench/README.md has
 * the measurements behind this choice.
 */
export type BundleFormat = 'esm' | 'cjs';

export interface BundleResult {
  /** Path of the entry file, relative to the repository root. */
  readonly entry: string;
  /** Packages the entry loads before any function runs (should be @azure/functions and its few helpers). */
  readonly eagerPackages: readonly string[];
  readonly eagerBytes: number;
  readonly totalBytes: number;
}

const ROOT = findAppRoot(__dirname);

/** Packages the entry may load eagerly: the programming model library and what it requires itself. */
export const ALLOWED_EAGER_PACKAGES = ['@azure/functions', '@azure/functions-extensions-base', 'cookie'];

// In ESM output, esbuild's require shim needs a real `require` for the externals the library
// requires at run time: above all `@azure/functions-core`, which the worker provides by patching
// Module.prototype.require (createRequire goes through it). `module` exists so that a CLI guard
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

export async function buildBundle(
  options: { readonly outdir?: string; readonly format?: BundleFormat } = {},
): Promise<BundleResult> {
  const { build } = await import('esbuild');
  const format = options.format ?? 'esm';
  const outdir = options.outdir ?? join(ROOT, 'dist', 'bundle');
  rmSync(outdir, { recursive: true, force: true });
  const common: BuildOptions = {
    absWorkingDir: ROOT,
    entryPoints: { main: 'functions/index.ts' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    minify: true,
    sourcemap: true,
    legalComments: 'linked',
    // Provided by the Functions worker at run time; it is not an npm package.
    external: ['@azure/functions-core'],
    metafile: true,
    logLevel: 'warning',
    outdir,
  };
  const result = await build(
    format === 'esm'
      ? {
          ...common,
          format: 'esm',
          splitting: true,
          chunkNames: 'chunks/[name]-[hash]',
          outExtension: { '.js': '.mjs' },
          banner: { js: ESM_BANNER },
        }
      : { ...common, format: 'cjs' },
  );
  const metafile = result.metafile;
  if (metafile === undefined) throw new Error('esbuild returned no metafile');
  const entry = relative(ROOT, join(outdir, format === 'esm' ? 'main.mjs' : 'main.js'));
  const closure = eagerClosure(metafile, entry);
  const eagerPackages = [
    ...new Set(closure.inputs.map(packageOf).filter((p): p is string => p !== undefined)),
  ].sort();
  const totalBytes = Object.entries(metafile.outputs)
    .filter(([file]) => !file.endsWith('.map'))
    .reduce((sum, [, o]) => sum + o.bytes, 0);
  return { entry, eagerPackages, eagerBytes: closure.bytes, totalBytes };
}

async function main(): Promise<void> {
  const format = process.argv.includes('--cjs') ? 'cjs' : 'esm';
  const result = await buildBundle({ format });
  const unexpected = result.eagerPackages.filter((p) => !ALLOWED_EAGER_PACKAGES.includes(p));
  process.stdout.write(
    `bundle: ${result.entry} (${format}); loaded at cold start: ${(result.eagerBytes / 1024).toFixed(0)} KiB of ${(result.totalBytes / 1024).toFixed(0)} KiB; packages: ${result.eagerPackages.join(', ')}\n`,
  );
  if (format === 'esm' && unexpected.length > 0) {
    // A function file imported an implementation statically: cold start would pay for it on every instance.
    process.stderr.write(
      `error: the entry loads ${unexpected.join(', ')} at cold start. Function files must load implementations with await import() inside the handler.\n`,
    );
    process.exit(1);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
