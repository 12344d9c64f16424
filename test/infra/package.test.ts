import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  buildPackage,
  PACKAGE_PATH,
  type PackageResult,
  STAGED_PACKAGE_DIR,
  stagedDirFor,
} from '../../scripts/package';
import { REPO_ROOT } from './infra-fixture';

/**
 * The deployment package (`npm run package`): built from the real tree, read back from the zip entry
 * by entry, and uploaded the way azd uploads it, from the staged folder azure.yaml's `dist` names.
 * Reuses dist when `npm run build` ran (CI builds before the tests), else builds first.
 */
let result: PackageResult;
let zipEntries: Record<string, Uint8Array>;
let entries: string[];
const scratch: string[] = [];

beforeAll(() => {
  if (
    !existsSync(join(REPO_ROOT, 'dist', 'bundle', 'main.js')) ||
    !existsSync(join(REPO_ROOT, 'dist', 'dashboard', 'assets'))
  ) {
    execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  // A private output folder: the repository's dist/package/ may be in use by another test run.
  const out = mkdtempSync(join(tmpdir(), 'plg-package-'));
  scratch.push(out);
  result = buildPackage(REPO_ROOT, join(out, 'app.zip'));
  zipEntries = unzipSync(readFileSync(result.zipPath));
  entries = Object.keys(zipEntries).sort();
  console.log(
    `deployment package: ${entries.length} files, ${(result.bytes / 1024).toFixed(1)} KiB compressed`,
  );
}, 600_000);

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** Every file under `dir` (relative, forward slashes), sorted; `skipDir` names folders not entered. */
function filesUnder(dir: string, skipDir: (name: string) => boolean = () => false): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) =>
      join(e.parentPath, e.name)
        .slice(dir.length + 1)
        .split('\\')
        .join('/'),
    )
    .filter((f) => !f.split('/').slice(0, -1).some(skipDir))
    .sort();
}

/**
 * What the package must hold, read off the built tree independently of scripts/package.ts: host.json,
 * package.json, the bundle's entry and chunks, the dashboard assets (maps left out) and the policy and
 * targets files when the deployer created them.
 */
function expectedFiles(): string[] {
  const under = (dir: string): string[] =>
    filesUnder(join(REPO_ROOT, dir))
      .filter((f) => !f.endsWith('.map'))
      .map((f) => `${dir}/${f}`);
  const optional = ['approval-policy.yaml', 'probe-targets.yaml'].filter((f) =>
    existsSync(join(REPO_ROOT, f)),
  );
  return [
    'host.json',
    'package.json',
    ...optional,
    ...under('dist/bundle'),
    ...under('dist/dashboard/assets'),
  ].sort();
}

/**
 * The entries azd zips for a function app whose service sets `dist`: every file in that folder but
 * the ones createDeployableZip always leaves out (a `.azure` folder, the ignore file itself,
 * local.settings.json), with node_modules kept since remote build is off (Azure/azure-dev
 * cli/azd/pkg/project/project_utils.go). A `.funcignore` inside the folder would be applied with
 * go-gitignore's semantics, which this test does not reproduce, so finding one fails instead.
 */
function azdUpload(distFolder: string): string[] {
  const files = filesUnder(distFolder, (name) => name === '.azure');
  expect(files, 'a .funcignore in the dist folder would make azd filter the upload').not.toContain(
    '.funcignore',
  );
  return files.filter((f) => {
    const name = f.split('/').pop();
    return name !== '.funcignore' && name !== 'local.settings.json';
  });
}

describe('the deployment package', () => {
  it('holds host.json, package.json, the bundle and its chunks, and the dashboard assets', () => {
    expect(entries).toContain('host.json');
    expect(entries).toContain('package.json');
    // The CommonJS entry package.json "main" names, and the ESM chunks it imports on first call.
    const main = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { main: string }).main;
    expect(main).toBe('dist/bundle/main.js');
    expect(entries).toContain(main);
    expect(entries.filter((e) => /^dist\/bundle\/chunks\/.+\.mjs$/.test(e)).length).toBeGreaterThan(1);
    expect(entries.some((e) => e.startsWith('dist/dashboard/assets/'))).toBe(true);
    expect(entries).toEqual(result.files);
  });

  it('holds nothing else: no sources, tests, infra, node_modules, compiled tsc output or maps', () => {
    expect(entries).toEqual(expectedFiles());
    for (const prefix of [
      'functions/',
      'shared/',
      'test/',
      'infra/',
      'node_modules/',
      'dashboard/',
      'scripts/',
    ]) {
      expect(
        entries.filter((e) => e.startsWith(prefix)),
        prefix,
      ).toEqual([]);
    }
    expect(entries.filter((e) => e.endsWith('.ts') || e.endsWith('.map'))).toEqual([]);
  });

  it('is the same bytes when built twice from the same tree', () => {
    const again = buildPackage(REPO_ROOT, join(scratch[0] ?? tmpdir(), 'again.zip'));
    expect(readFileSync(again.zipPath).equals(readFileSync(result.zipPath))).toBe(true);
  });

  it('is staged next to the zip as a folder with exactly the zip entries, byte for byte', () => {
    expect(result.stagedDir).toBe(stagedDirFor(result.zipPath));
    expect(filesUnder(result.stagedDir)).toEqual(entries);
    for (const name of entries) {
      expect(
        readFileSync(join(result.stagedDir, name)).equals(Buffer.from(zipEntries[name] ?? [])),
        name,
      ).toBe(true);
    }
  });
});

describe('what azd uploads (azure.yaml `dist`, remote build off)', () => {
  const azure = parse(readFileSync(join(REPO_ROOT, 'azure.yaml'), 'utf8')) as {
    services: Record<
      string,
      {
        project: string;
        language: string;
        dist?: string;
        remoteBuild?: boolean;
        hooks?: { prepackage?: { posix?: { run: string }; windows?: { run: string } } };
      }
    >;
  };
  const api = azure.services.api;

  it('points azd at the staged package folder, the one `npm run package` writes by default', () => {
    expect(api?.project).toBe('.');
    expect(api?.language).toBe('ts');
    expect(api?.dist).toBe(STAGED_PACKAGE_DIR);
    expect(stagedDirFor(join(REPO_ROOT, PACKAGE_PATH))).toBe(join(REPO_ROOT, STAGED_PACKAGE_DIR));
  });

  it('turns remote build off, with no .funcignore at the root for azd to refuse that over', () => {
    // Left unset, azd turns remote build on when the project's .funcignore excludes node_modules;
    // with `remoteBuild: false` it refuses such a file (service_target_functionapp.go
    // resolveFunctionAppRemoteBuild). Oryx would run `npm install && npm run build` without sources.
    expect(api?.remoteBuild).toBe(false);
    expect(existsSync(join(REPO_ROOT, '.funcignore'))).toBe(false);
  });

  it('builds and stages the package from the lockfile before azd zips the folder', () => {
    for (const shell of ['posix', 'windows'] as const) {
      const run = api?.hooks?.prepackage?.[shell]?.run ?? '';
      expect(
        run.split('&&').map((step) => step.trim()),
        shell,
      ).toEqual(['npm ci', 'npm run build', 'npm run package']);
    }
  });

  it('uploads exactly the bundle, its chunks, the dashboard assets, host.json and package.json', () => {
    const upload = azdUpload(result.stagedDir);
    expect(upload).toEqual(expectedFiles());
    expect(upload).toContain('dist/bundle/main.js');
    expect(upload.filter((f) => f.startsWith('dist/bundle/chunks/')).length).toBeGreaterThan(1);
    for (const name of upload) {
      expect(
        readFileSync(join(result.stagedDir, name)).equals(readFileSync(join(REPO_ROOT, name))),
        name,
      ).toBe(true);
    }
  });
});
