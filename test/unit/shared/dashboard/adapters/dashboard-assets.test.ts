import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadDashboardAssets } from '../../../../../shared/dashboard/adapters/dashboard-assets';
import { MANIFEST_FILE } from '../../../../../shared/dashboard/core/asset-manifest';
import { appErrorFrom } from '../../../../helpers/app-errors';

/** The built assets as the server reads them: files named by the manifest, nothing imported. */

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dashboard-assets-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const manifest = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    script: 'dashboard-ABC123.js',
    style: 'dashboard-DEF456.css',
    page: 'index.html',
    builtAt: '2026-12-06T22:00:00.000Z',
    ...overrides,
  });

async function writeBuild(manifestText: string): Promise<void> {
  await writeFile(join(dir, 'dashboard-ABC123.js'), 'console.log(1);');
  await writeFile(join(dir, 'dashboard-DEF456.css'), 'body{}');
  await writeFile(join(dir, 'index.html'), '<!doctype html>');
  await writeFile(join(dir, MANIFEST_FILE), manifestText);
}

describe('dashboard assets', () => {
  it('serves the page, script and stylesheet the manifest names, with content types and ETags', async () => {
    await writeBuild(manifest());
    const assets = await loadDashboardAssets(dir);
    expect(assets.page.body.toString()).toBe('<!doctype html>');
    expect(assets.page.contentType).toBe('text/html; charset=utf-8');
    expect([...assets.files.keys()]).toEqual(['dashboard-ABC123.js', 'dashboard-DEF456.css']);
    expect(assets.files.get('dashboard-ABC123.js')?.contentType).toBe('text/javascript; charset=utf-8');
    expect(assets.files.get('dashboard-DEF456.css')?.etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
  });

  it('answers 503 naming the build command when the assets are not built', async () => {
    const error = await appErrorFrom(loadDashboardAssets(dir));
    expect(error.code).toBe('dependency_unavailable');
    expect(error.message).toContain('npm run build:dashboard');
  });

  it.each([
    ['a path outside the assets folder', manifest({ script: '../../../local.settings.json' })],
    ['an absolute path', manifest({ page: '/etc/passwd' })],
    ['a missing field', JSON.stringify({ script: 'a.js', style: 'b.css' })],
    ['text that is not JSON', '{"script":'],
  ])('refuses a manifest with %s', async (_name, text) => {
    await writeBuild(text);
    const error = await appErrorFrom(loadDashboardAssets(dir));
    expect(error.code).toBe('dependency_unavailable');
    expect(error.message).toMatch(/manifest is invalid/);
  });
});
