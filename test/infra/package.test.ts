import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage, type PackageResult, packageFiles } from '../../scripts/package';
import { REPO_ROOT } from './infra-fixture';

/**
 * The deployment zip (`npm run package`, what is deployed): built from the real tree with the real
 * .funcignore and read back entry by entry. Reuses dist when `npm run build` ran (CI builds before
 * the tests), else builds first.
 */
let result: PackageResult;
let entries: string[];
const scratch: string[] = [];

beforeAll(() => {
  if (
    !existsSync(join(REPO_ROOT, 'dist', 'bundle', 'main.js')) ||
    !existsSync(join(REPO_ROOT, 'dist', 'dashboard', 'assets'))
  ) {
    execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  const out = mkdtempSync(join(tmpdir(), 'plg-package-'));
  scratch.push(out);
  result = buildPackage(REPO_ROOT, join(out, 'app.zip'));
  entries = Object.keys(unzipSync(readFileSync(result.zipPath))).sort();
  console.log(
    `deployment package: ${entries.length} files, ${(result.bytes / 1024).toFixed(1)} KiB compressed`,
  );
}, 600_000);

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('the deployment package', () => {
  it('holds host.json, package.json, the bundle and the dashboard assets', () => {
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
    const allowed =
      /^(host\.json|package\.json|approval-policy\.yaml|probe-targets\.yaml|dist\/bundle\/.+|dist\/dashboard\/assets\/.+)$/;
    expect(entries.filter((e) => !allowed.test(e))).toEqual([]);
    for (const prefix of [
      'functions/',
      'shared/',
      'test/',
      'infra/',
      'node_modules/',
      'dashboard/',
      'scripts/',
      'dist/shared/',
      'dist/scripts/',
      'dist/tools/',
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
});

describe('.funcignore semantics', () => {
  function tree(files: readonly string[]): string {
    const root = mkdtempSync(join(tmpdir(), 'plg-funcignore-'));
    scratch.push(root);
    for (const f of files) {
      mkdirSync(dirname(join(root, f)), { recursive: true });
      writeFileSync(join(root, f), f);
    }
    return root;
  }
  const files = [
    'host.json',
    'package.json',
    'dashboard/src/page.ts',
    'dist/dashboard/assets/index.html',
    'dist/bundle/main.js',
    'dist/shared/x.js',
  ];

  it('an unanchored `dashboard/` also drops dist/dashboard/ (why every pattern is anchored)', () => {
    const root = tree(files);
    expect(packageFiles(root, 'dashboard/\ndist/shared/\n')).toEqual([
      'dist/bundle/main.js',
      'host.json',
      'package.json',
    ]);
    expect(packageFiles(root, '/dashboard/\n/dist/shared/\n')).toEqual([
      'dist/bundle/main.js',
      'dist/dashboard/assets/index.html',
      'host.json',
      'package.json',
    ]);
  });

  it("the repository's .funcignore keeps dist/dashboard/assets and drops dashboard sources", () => {
    const root = tree(files);
    expect(packageFiles(root, readFileSync(join(REPO_ROOT, '.funcignore'), 'utf8'))).toEqual([
      'dist/bundle/main.js',
      'dist/dashboard/assets/index.html',
      'host.json',
      'package.json',
    ]);
  });
});
