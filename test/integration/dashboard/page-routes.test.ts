import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../../../dashboard/build';
import type { LocalHost } from '../../../scripts/local-host/local-host';
import { setContainer } from '../../../shared/composition-root';
import type { DashboardManifest } from '../../../shared/dashboard/core/asset-manifest';
import { serveHttpFunctions } from '../../helpers/http-functions';
import { testContainer } from '../../helpers/storage';

/** The page and its assets over real HTTP: strict CSP, hashed immutable assets, nothing else served. */

let host: LocalHost;
let manifest: DashboardManifest;

beforeAll(async () => {
  manifest = await buildDashboard();
  setContainer(testContainer({ AUTH_MODE: 'easyauth' }));
  host = await serveHttpFunctions();
}, 60_000);

afterAll(async () => {
  await host?.stop();
  setContainer(undefined);
});

describe('GET /api/dashboard', () => {
  it('serves the page with a strict Content-Security-Policy and no inline script or style', async () => {
    const response = await fetch(`${host.url}/api/dashboard`);
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy') ?? '';
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ])
      expect(csp).toContain(directive);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-store');
    // Only external same-origin assets: no inline <script>…</script> body, no <style>, no style= attribute, no CDN.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/<style|\sstyle=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).toContain(`src="dashboard/assets/${manifest.script}"`);
    expect(html).toContain(`href="dashboard/assets/${manifest.style}"`);
  });

  it('serves the hashed script and stylesheet immutably, with 304 on a matching ETag', async () => {
    for (const [name, type] of [
      [manifest.script, 'text/javascript; charset=utf-8'],
      [manifest.style, 'text/css; charset=utf-8'],
    ] as const) {
      const response = await fetch(`${host.url}/api/dashboard/assets/${name}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(type);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(1000);
      const etag = response.headers.get('etag') ?? '';
      const again = await fetch(`${host.url}/api/dashboard/assets/${name}`, {
        headers: { 'if-none-match': etag },
      });
      expect(again.status).toBe(304);
    }
    // The bundle carries Chart.js itself: nothing is fetched from elsewhere at run time.
    const script = await (await fetch(`${host.url}/api/dashboard/assets/${manifest.script}`)).text();
    expect(script).not.toMatch(/https?:\/\/(cdn|unpkg|jsdelivr)/);
  });

  it('serves nothing else under the assets route', async () => {
    for (const name of ['manifest.json', 'index.html', 'dashboard-XXXX.js', '..%2Fbuild.js', 'build.js']) {
      const response = await fetch(`${host.url}/api/dashboard/assets/${name}`);
      expect(response.status, name).toBe(404);
    }
  });
});
