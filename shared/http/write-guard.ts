import { AppError } from '../errors';

/**
 * CSRF defence for every state-changing request, checked before any handler runs:
 *
 * 1. The body must be declared JSON. A cross-site page can send a "simple" request (form post,
 *    `fetch(..., { mode: 'no-cors' })`) without a preflight only with a text/plain, form or
 *    multipart content type, or none; `application/json` forces a CORS preflight, which this
 *    app never grants. An empty body is sent as `{}` or with the JSON type.
 * 2. `Sec-Fetch-Site` (sent by every current browser) must not say `cross-site` or `same-site`
 *    (a sibling subdomain is another app).
 * 3. `Origin`, when present, must be the app's own. The app's host is the request's
 *    `X-Forwarded-Host` when a proxy in front set it, else `Host` (App Service's front end passes
 *    the host name the caller used, custom domains included). A browser cannot set either header
 *    cross-site without a preflight, so trusting them here gives an attacker nothing.
 *
 * Non-browser clients (curl, scripts) send neither header and pass on the content type alone.
 */
export interface RequestHeaders {
  get(name: string): string | null;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export function guardWrite(method: string, headers: RequestHeaders, requestUrl: string): void {
  if (!WRITE_METHODS.has(method.toUpperCase())) return;
  const site = headers.get('sec-fetch-site')?.trim().toLowerCase();
  if (site === 'cross-site' || site === 'same-site') {
    throw crossSite(`Sec-Fetch-Site is ${site}`);
  }
  const origin = headers.get('origin');
  if (origin !== null) {
    const own = appHost(headers, requestUrl);
    const from = originHost(origin);
    if (from === undefined || own === undefined || from !== own) {
      throw crossSite(`Origin ${origin === 'null' ? 'null' : JSON.stringify(origin)} is not this app`);
    }
  }
  if (!JSON_TYPE.test(headers.get('content-type') ?? '')) {
    throw new AppError(
      'unsupported_media_type',
      'The body must be JSON (Content-Type: application/json); send {} when there is nothing to say.',
      { issues: [{ path: 'Content-Type', message: 'expected application/json' }] },
    );
  }
}

function crossSite(reason: string): AppError {
  return new AppError('forbidden', `Cross-site request refused: ${reason}.`, {
    issues: [{ path: 'Origin', message: 'expected a request from this app' }],
  });
}

/** host[:port], lower case, without the scheme's default port. */
function normaliseHost(host: string, scheme: 'http:' | 'https:' | undefined): string {
  const lower = host.trim().toLowerCase();
  if (scheme === 'https:' && lower.endsWith(':443')) return lower.slice(0, -4);
  if (scheme === 'http:' && lower.endsWith(':80')) return lower.slice(0, -3);
  return lower;
}

function originHost(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.host.toLowerCase();
  } catch {
    return undefined;
  }
}

function appHost(headers: RequestHeaders, requestUrl: string): string | undefined {
  const forwarded = headers.get('x-forwarded-host')?.split(',')[0]?.trim();
  const host = forwarded !== undefined && forwarded !== '' ? forwarded : headers.get('host')?.trim();
  if (host !== undefined && host !== '') {
    // The origin's URL dropped its default port; drop it here too, for either scheme.
    return normaliseHost(normaliseHost(host, 'https:'), 'http:');
  }
  try {
    return new URL(requestUrl).host.toLowerCase();
  } catch {
    return undefined;
  }
}
