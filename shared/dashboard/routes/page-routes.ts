import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { AppError } from '../../errors';
import { type Asset, dashboardAssets } from '../adapters/dashboard-assets';

/**
 * GET /api/dashboard and its assets. The page is static: every byte of data comes from the JSON
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

const ASSET_NAME = /^dashboard-[A-Za-z0-9_-]{1,64}\.(?:js|css)$/;

type Route = (
  request: HttpRequest,
  context: InvocationContext,
  correlationId: string,
) => Promise<HttpResponseInit>;

export const dashboardPageRoute: Route = async (request) => {
  const { page } = await dashboardAssets();
  // Never cached: a new deployment's page must point at the new hashed assets at once.
  return serve(request, page, 'no-store');
};

export const dashboardAssetRoute: Route = async (request) => {
  const name = request.params.name ?? '';
  const asset = ASSET_NAME.test(name) ? (await dashboardAssets()).files.get(name) : undefined;
  if (asset === undefined)
    throw new AppError('not_found', 'No such dashboard asset.', {
      issues: [{ path: 'path.name', message: 'expected a file name the dashboard page refers to' }],
    });
  // The name holds the content hash: a changed file has a new name, so the old one never changes.
  return serve(request, asset, 'public, max-age=31536000, immutable');
};

function serve(request: HttpRequest, asset: Asset, cacheControl: string): HttpResponseInit {
  const headers = { ...SECURITY_HEADERS, 'cache-control': cacheControl, etag: asset.etag };
  if (request.headers.get('if-none-match') === asset.etag) return { status: 304, headers };
  return {
    status: 200,
    headers: { ...headers, 'content-type': asset.contentType },
    body: new Uint8Array(asset.body),
  };
}
