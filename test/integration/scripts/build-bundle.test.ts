import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../functions/registry';
import { ALLOWED_EAGER_PACKAGES, type BundleResult, buildBundle } from '../../../scripts/build-bundle';
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

  it('registers every function with the worker API and serves health and me from lazily loaded chunks', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(__dirname, 'worker-driver.mjs'),
        join(outdir, 'main.js'),
        '--call-health',
        '--call-me',
        '--import-chunks',
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          AzureWebJobsStorage: azuriteConnectionString(),
          TABLE_NAME_PREFIX: uniqueTablePrefix(),
        },
      },
    );
    const report = JSON.parse(stdout) as DriverReport;
    expect(report.functions).toEqual(
      FUNCTIONS.map((f) => ({ name: f.name, triggerTypes: [TRIGGER_TYPES[f.kind]] })),
    );
    expect(report.health?.status, JSON.stringify(report.health)).toBe(200);
    // The AppError thrown in a chunk is the class the adapter in the entry knows: 401, not 500.
    expect(report.me?.status, JSON.stringify(report.me)).toBe(401);
    expect(report.me?.body.code).toBe('unauthenticated');
    expect(report.chunksImported).toBeGreaterThan(0);
  }, 60_000);
});
