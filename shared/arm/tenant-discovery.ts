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
  const { request } = await import('undici');
  let status: number;
  let challenge: string | undefined;
  try {
    const response = await request(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
    });
    status = response.statusCode;
    const header = response.headers['www-authenticate'];
    challenge = Array.isArray(header) ? header.join(', ') : header;
    await response.body.dump();
  } catch (error) {
    throw new AppError('arm_unavailable', 'ARM could not be reached to discover a tenant.', { cause: error });
  }
  if (status === 429) {
    throw new AppError('arm_throttled', 'ARM is throttling tenant discovery; retry later.', {
      retryAfterSeconds: 30,
    });
  }
  if (status >= 500) throw new AppError('arm_unavailable', `ARM answered ${status} to tenant discovery.`);
  return challenge === undefined ? undefined : tenantFromChallenge(challenge);
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
