import { AppError } from '../errors';
import { isLoopbackHost } from '../net/loopback';

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
 *
 * Before all of these, the request's `Host` (and `X-Forwarded-Host`, when sent) must be a name the
 * app is configured for. Without this, DNS rebinding beats check 3: a page on a name the attacker
 * points at 127.0.0.1 (or at the app) sends `Host` and `Origin` both naming the attacker's host, so
 * the two agree. The browser always sends the name it resolved, so a page can only reach the app
 * under a name the app accepts by being served from it.
 */
export interface RequestHeaders {
  get(name: string): string | null;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** The names writes may arrive under: the configured ones, plus loopback names when `loopback`. */
export interface AllowedHosts {
  /** Lower case, without port or trailing dot. */
  readonly names: ReadonlySet<string>;
  readonly loopback: boolean;
}

/**
 * `allowedHosts` is read only for writes (a bad API setting must not stop reads such as health);
 * without it every write is refused, since no host name can be checked (fail closed).
 */
export function guardWrite(
  method: string,
  headers: RequestHeaders,
  requestUrl: string,
  allowedHosts?: () => AllowedHosts,
): void {
  if (!WRITE_METHODS.has(method.toUpperCase())) return;
  guardHost(headers, requestUrl, allowedHosts?.());
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

function guardHost(headers: RequestHeaders, requestUrl: string, allowed: AllowedHosts | undefined): void {
  // The URL only when no Host header came at all (the host builds the URL from it when it did).
  const given = headers.get('host');
  const host = given === null ? urlHost(requestUrl) : given.trim();
  const forwarded = (headers.get('x-forwarded-host') ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  // A forwarded host decides what "same origin" means below, so it must be one of ours too: no
  // proxy in front of the app is assumed to vouch for it.
  for (const [header, value] of [
    ['Host', host] as const,
    ...forwarded.map((h) => ['X-Forwarded-Host', h] as const),
  ]) {
    if (allowed === undefined || !isAllowedHost(value, allowed)) {
      const shown = value === undefined ? '(none)' : JSON.stringify(value.slice(0, 100));
      throw new AppError(
        'host_not_allowed',
        `Write refused: ${header} ${shown} is not a host name this app is configured for (APP_HOST_NAMES).`,
        { issues: [{ path: header, message: 'expected a host name of this app' }] },
      );
    }
  }
}

/**
 * `name[:port]` or `[ipv6][:port]`, any port. Exact names only: `localhost.` (trailing dot),
 * `localhost.evil.example` or `127.0.0.1.nip.io` are other names, resolved by someone else's DNS.
 */
function isAllowedHost(value: string | undefined, allowed: AllowedHosts): boolean {
  if (value === undefined) return false;
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]/@\s]+)(?::\d{1,5})?$/i.exec(value);
  const name = m?.[1]?.toLowerCase();
  if (name === undefined) return false;
  if (allowed.loopback && isLoopbackHost(name)) return true;
  return allowed.names.has(name);
}

function urlHost(requestUrl: string): string | undefined {
  try {
    return new URL(requestUrl).host || undefined;
  } catch {
    return undefined;
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
