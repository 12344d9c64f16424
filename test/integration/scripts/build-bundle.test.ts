import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../functions/registry';
import {
  ALLOWED_EAGER_PACKAGES,
  type BundleResult,
  buildBundle,
  findCommonJsDynamicImports,
} from '../../../scripts/build-bundle';
import { bundleChunkOf } from '../../../shared/host/bundle-chunks';
import { principalHeader } from '../../helpers/principals';
import { azuriteConnectionString, uniqueTablePrefix } from '../../helpers/storage';

const ROOT = join(__dirname, '..', '..', '..');
const TRIGGER_TYPES = {
  http: 'httpTrigger',
  timer: 'timerTrigger',
  eventGrid: 'eventGridTrigger',
  storageQueue: 'queueTrigger',
};

interface DriverReport {
  readonly functions: readonly { readonly name: string; readonly triggerTypes: readonly string[] }[];
  readonly health?: { readonly status: number; readonly body: { readonly dependencies: readonly unknown[] } };
  readonly me?: { readonly status: number; readonly body: { readonly code?: string } };
  readonly chunksImported?: number;
  readonly calls: readonly { readonly name: string; readonly status: number; readonly body: HealthBody }[];
  readonly logs: readonly { readonly function: string; readonly level: string; readonly message: string }[];
}

interface HealthBody {
  readonly status?: string;
  readonly code?: string;
  readonly detail?: string;
  readonly features?: Record<
    string,
    { readonly problem?: { readonly issues: readonly { readonly path: string; readonly message: string }[] } }
  >;
}

describe('production bundle (CommonJS entry, ESM implementation chunks)', () => {
  let outdir: string;
  let result: BundleResult;

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'plg-bundle-'));
    result = await buildBundle({ outdir });
  }, 120_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('loads nothing heavy at cold start: only @azure/functions and its helpers', () => {
    expect(result.eagerPackages).toContain('@azure/functions');
    for (const p of result.eagerPackages) expect(ALLOWED_EAGER_PACKAGES).toContain(p);
    expect(result.entry.endsWith('main.js')).toBe(true);
    expect(result.eagerBytes).toBeLessThan(result.totalBytes / 5);
  });

  it("keeps one module graph: the chunks use the entry's modules instead of copies", () => {
    expect(result.sharedModules).toContain('shared/errors.ts');
    expect(result.duplicatedModules).toEqual([]);
  });

  it('generates an entry of registrations only: every function file (and what it imports) is in its own chunk', () => {
    expect(result.functionFilesInEntry).toEqual([]);
    expect(result.functionChunks).toEqual(
      Object.fromEntries(FUNCTIONS.map((f) => [f.name, bundleChunkOf(`functions/${f.name}`)])),
    );
    // The entry is generated: no hand-written entry module under functions/.
    expect(existsSync(join(ROOT, 'functions', 'index.ts'))).toBe(false);
  });

  it('has no import() of a CommonJS module in our own code (its named exports would be undefined)', () => {
    expect(result.commonJsDynamicImports.ours).toEqual([]);
  });

  /** Loads the bundle in a fresh process the way the worker does, and runs what `args` ask. */
  async function drive(args: readonly string[], env: Record<string, string> = {}): Promise<DriverReport> {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(__dirname, 'worker-driver.mjs'), join(outdir, 'main.js'), ...args],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          AzureWebJobsStorage: azuriteConnectionString(),
          TABLE_NAME_PREFIX: uniqueTablePrefix(),
          ...env,
        },
      },
    );
    return JSON.parse(stdout) as DriverReport;
  }

  it('registers every function with the worker API and serves health and me from lazily loaded chunks', async () => {
    const report = await drive(['--call-health', '--call-me', '--import-chunks']);
    expect(report.functions).toEqual(
      FUNCTIONS.map((f) => ({ name: f.name, triggerTypes: [TRIGGER_TYPES[f.kind]] })),
    );
    expect(report.health?.status, JSON.stringify(report.health)).toBe(200);
    // The AppError thrown in a chunk is the class the adapter in the entry knows: 401, not 500.
    expect(report.me?.status, JSON.stringify(report.me)).toBe(401);
    expect(report.me?.body.code).toBe('unauthenticated');
    expect(report.chunksImported).toBeGreaterThan(0);
  }, 60_000);

  /** The health detail (features and their problems) is for readers. */
  const READER = { DRIVER_PRINCIPAL: principalHeader('reader') };

  // Runs after the test above: it deletes chunks from this bundle.
  it('names the function, the file and the error when a chunk is missing: in the log line, the answer and health', async () => {
    const meFile = 'functions/me';
    const meChunk = join(outdir, bundleChunkOf(meFile));
    expect(existsSync(meChunk), meChunk).toBe(true);
    rmSync(meChunk);

    const report = await drive(['--call', 'me', '--call', 'health'], READER);
    const [me, health] = report.calls;
    expect(me?.status).toBe(500);
    expect(me?.body.code).toBe('implementation_unavailable');
    expect(me?.body.detail).toContain('me');
    expect(me?.body.detail).toContain(meFile);
    // No loader text (absolute paths) and no stack in the HTTP answer.
    expect(JSON.stringify(me?.body)).not.toContain(outdir);
    expect(JSON.stringify(me?.body)).not.toMatch(/\n\s+at /);

    const line = report.logs.find((l) => l.message.includes('function.implementation_unavailable'));
    expect(line, JSON.stringify(report.logs)).toBeDefined();
    expect(JSON.parse(line?.message ?? '{}')).toMatchObject({
      function: 'me',
      file: meFile,
      bundleFile: bundleChunkOf(meFile),
      error: expect.stringMatching(/^ERR_MODULE_NOT_FOUND: .*functions\.me\.mjs/),
    });

    // Health still answers from its own chunk, and names the broken function for readers.
    expect(health?.status, JSON.stringify(health?.body)).toBe(200);
    expect(health?.body.status).toBe('degraded');
    const issues = health?.body.features?.functions?.problem?.issues ?? [];
    expect(issues).toEqual([
      {
        path: 'me',
        message: expect.stringMatching(
          /^functions\/me \(chunks\/functions\.me\.mjs\) did not load: ERR_MODULE_NOT_FOUND: Cannot find module .*functions\.me\.mjs/,
        ),
      },
    ]);
    expect(JSON.stringify(health?.body)).not.toContain(outdir);
  }, 60_000);

  it("answers health from the entry alone when health's own chunk is the missing one", async () => {
    const healthFile = 'functions/health';
    rmSync(join(outdir, bundleChunkOf(healthFile)));

    const report = await drive(['--call', 'health'], READER);
    const [health] = report.calls;
    expect(health?.status, JSON.stringify(health?.body)).toBe(503);
    expect(health?.body.status).toBe('unhealthy');
    expect(health?.body.features?.functions?.problem?.issues).toEqual([
      {
        path: 'health',
        message: expect.stringMatching(
          /^functions\/health \(chunks\/functions\.health\.mjs\) did not load: ERR_MODULE_NOT_FOUND: /,
        ),
      },
    ]);
    const line = report.logs.find((l) => l.message.includes('function.implementation_unavailable'));
    expect(JSON.parse(line?.message ?? '{}')).toMatchObject({ function: 'health', file: healthFile });
  }, 60_000);

  // Runs last: it deletes every function's chunk but one.
  it('loads a function file only when that function is called: the others may be missing entirely', async () => {
    for (const f of FUNCTIONS) {
      if (f.name !== 'openApiDocument')
        rmSync(join(outdir, bundleChunkOf(`functions/${f.name}`)), { force: true });
    }
    const report = await drive(['--call', 'openApiDocument'], READER);
    // Registration needs no function file at all: the entry holds the registrations as data.
    expect(report.functions.map((f) => f.name)).toEqual(FUNCTIONS.map((f) => f.name));
    const [openApi] = report.calls;
    expect(openApi?.status, JSON.stringify(openApi?.body)).toBe(200);
    expect(report.logs.filter((l) => l.message.includes('implementation_unavailable'))).toEqual([]);
  }, 60_000);
});

describe('the check for import() of CommonJS modules', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'plg-cjs-import-'));
    writeFileSync(join(dir, 'lib.cjs'), 'exports.greet = () => "hello";\n');
    writeFileSync(join(dir, 'esm-lib.mjs'), 'export const greet = () => "hello";\n');
    writeFileSync(
      join(dir, 'use.mjs'),
      'export async function run() { const { greet } = await import("./lib.cjs"); return greet(); }\n',
    );
    writeFileSync(
      join(dir, 'use-esm.mjs'),
      'export async function run() { const { greet } = await import("./esm-lib.mjs"); return greet(); }\n',
    );
    writeFileSync(
      join(dir, 'static.mjs'),
      'import { greet } from "./lib.cjs";\nexport const run = async () => greet();\n',
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function splitBuild(entry: string) {
    const { build } = await import('esbuild');
    const out = join(dir, `out-${entry}`);
    const built = await build({
      absWorkingDir: dir,
      entryPoints: { [entry.replace(/\.mjs$/, '')]: entry },
      bundle: true,
      format: 'esm',
      splitting: true,
      platform: 'node',
      outdir: out,
      outExtension: { '.js': '.mjs' },
      metafile: true,
      logLevel: 'silent',
    });
    const { run } = (await import(join(out, entry))) as { run: () => Promise<unknown> };
    return { metafile: built.metafile, run };
  }

  it('names the import() of a CommonJS file, whose bundled chunk really has no named export', async () => {
    const { metafile, run } = await splitBuild('use.mjs');
    expect(findCommonJsDynamicImports(metafile).ours).toEqual(['use.mjs -> lib.cjs']);
    // What the check prevents: esbuild's chunk for the CommonJS file exports only `default`.
    await expect(run()).rejects.toThrow(TypeError);
  });

  it('passes an import() of an ES module and a static import of a CommonJS one, both of which work', async () => {
    for (const entry of ['use-esm.mjs', 'static.mjs']) {
      const { metafile, run } = await splitBuild(entry);
      expect(findCommonJsDynamicImports(metafile)).toEqual({ ours: [], packages: [] });
      await expect(run()).resolves.toBe('hello');
    }
  });

  it('names a lazily loaded entry that is itself CommonJS, and keeps a package-internal import() apart', () => {
    const metafile = {
      inputs: {
        'node_modules/undici/index.js': { bytes: 1, imports: [], format: 'cjs' as const },
        'node_modules/pkg/a.js': {
          bytes: 1,
          imports: [{ path: 'node_modules/pkg/b.js', kind: 'dynamic-import' as const, original: './b.js' }],
          format: 'cjs' as const,
        },
        'node_modules/pkg/b.js': { bytes: 1, imports: [], format: 'cjs' as const },
      },
      outputs: {},
    };
    expect(findCommonJsDynamicImports(metafile, ['node_modules/undici/index.js'])).toEqual({
      ours: ['(lazy) -> node_modules/undici/index.js'],
      packages: ['node_modules/pkg/a.js -> node_modules/pkg/b.js'],
    });
  });
});
