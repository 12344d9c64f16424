import { request } from 'undici';
import { AppError } from '../errors';
import { isLoopbackHost } from '../net/loopback';

/**
 * Which Entra tenant owns a subscription, from ARM's answer to an unauthenticated
 * `GET {ARM}/subscriptions/{id}?api-version=2022-12-01`: a 401 whose challenge names the tenant's
 * authority, e.g.
 *   WWW-Authenticate: Bearer authorization_uri="https://login.windows.net/{tenant}", error="invalid_token", ...
 * This identifies, it does not authenticate: anyone can make the same request, and the answer is only
 * as good as ARM's. No token is sent.
 *
 * Resolves undefined when ARM answered without a usable tenant (unknown subscription, another header
 * shape); throws `arm_unavailable`/`arm_throttled` when ARM could not answer, so a transient failure is
 * never mistaken for (and cached as) "no tenant".
 */
export const TENANT_DISCOVERY_API_VERSION = '2022-12-01';

export interface TenantDiscoveryOptions {
  /** Deadline of the whole lookup. 5 s by default. */
  readonly timeoutMs?: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function discoverTenantId(
  armEndpoint: URL,
  subscriptionId: string,
  options: TenantDiscoveryOptions = {},
): Promise<string | undefined> {
  if (!GUID.test(subscriptionId)) {
    throw new AppError('validation_failed', 'A subscription id is a GUID.', {
      issues: [{ path: 'subscriptionId', message: 'expected a GUID' }],
    });
  }
  if (
    armEndpoint.protocol !== 'https:' &&
    !(armEndpoint.protocol === 'http:' && isLoopbackHost(armEndpoint.hostname))
  ) {
    throw new AppError('config_invalid', 'ARM endpoint must be https (plain http only for loopback hosts).');
  }
  const url = new URL(`/subscriptions/${subscriptionId}`, armEndpoint);
  url.searchParams.set('api-version', TENANT_DISCOVERY_API_VERSION);
  const deadline = performance.now() + (options.timeoutMs ?? 5_000);
  for (let attempt = 1; ; attempt++) {
    let status: number;
    let challenge: string | undefined;
    let retryAfter: string | undefined;
    try {
      const response = await request(url, {
        method: 'GET',
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(Math.max(1, Math.round(deadline - performance.now()))),
      });
      status = response.statusCode;
      challenge = joined(response.headers['www-authenticate']);
      retryAfter = joined(response.headers['retry-after']);
      await response.body.dump();
    } catch (error) {
      throw new AppError('arm_unavailable', 'ARM could not be reached to discover a tenant.', {
        cause: error,
      });
    }
    if (status === 429) {
      // ARM says how long to stay away (request-limits-and-throttling doc): wait that long when it fits
      // in this lookup's deadline, else hand the wait to the caller instead of a guess.
      const waitMs = retryAfterMsOf(retryAfter);
      if (
        waitMs !== undefined &&
        attempt < MAX_THROTTLED_ATTEMPTS &&
        performance.now() + waitMs < deadline - MIN_ATTEMPT_MS
      ) {
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        continue;
      }
      throw new AppError('arm_throttled', 'ARM is throttling tenant discovery; retry later.', {
        retryAfterSeconds:
          waitMs === undefined ? DEFAULT_THROTTLE_SECONDS : Math.max(1, Math.ceil(waitMs / 1000)),
      });
    }
    if (status >= 500) throw new AppError('arm_unavailable', `ARM answered ${status} to tenant discovery.`);
    return challenge === undefined ? undefined : tenantFromChallenge(challenge);
  }
}

const MAX_THROTTLED_ATTEMPTS = 3;
/** Time left for the attempt after a wait, below which waiting is pointless. */
const MIN_ATTEMPT_MS = 250;
const DEFAULT_THROTTLE_SECONDS = 30;

function joined(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header.join(', ') : header;
}

/** Retry-After in seconds or as an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function retryAfterMsOf(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** The tenant GUID in a challenge's `authorization_uri` (first path segment of the authority), if any. */
export function tenantFromChallenge(header: string): string | undefined {
  const match = /authorization_uri\s*=\s*(?:"([^"]*)"|([^\s,]+))/i.exec(header);
  const raw = match?.[1] ?? match?.[2];
  if (raw === undefined) return undefined;
  let authority: URL;
  try {
    authority = new URL(raw);
  } catch {
    return undefined;
  }
  const tenant = authority.pathname.split('/').find((segment) => segment !== '');
  return tenant !== undefined && GUID.test(tenant) ? tenant.toLowerCase() : undefined;
}
