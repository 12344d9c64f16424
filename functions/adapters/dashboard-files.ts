import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { Asset } from '../../shared/dashboard/adapters/dashboard-assets';

/**
 * How functions/dashboard.ts and dashboardAsset.ts serve the page and its assets. The page is static: every byte of data comes from the JSON
 * routes, which check the caller's principal; so the page and its assets are served anonymously
 * (in Azure, App Service Authentication still decides who reaches them at all).
 *
 * The Content-Security-Policy allows nothing but this origin's own script, stylesheet and JSON:
 * no inline script or style, no third-party origin, no framing, no form posts, no <base>.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

export function serve(request: HttpRequest, asset: Asset, cacheControl: string): HttpResponseInit {
  const headers = { ...SECURITY_HEADERS, 'cache-control': cacheControl, etag: asset.etag };
  if (request.headers.get('if-none-match') === asset.etag) return { status: 304, headers };
  return {
    status: 200,
    headers: { ...headers, 'content-type': asset.contentType },
    body: new Uint8Array(asset.body),
  };
}
