/*
 * Finds Private Link Services (discovery) and their Pending connections (the "what is new" pass)
 * through Azure Resource Graph's REST API: `POST
 * {ARM}/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01` (Resources_Resources,
 * specification/resourcegraph/resource-manager/Microsoft.ResourceGraph/stable/2024-04-01/resourcegraph.json
 * in Azure/azure-rest-api-specs, the newest stable version). Sent with undici rather than
 * `@azure/arm-resourcegraph`: that package is not a dependency, the call is one POST with a small body,
 * and its paging and quota waits are what this module has to control anyway.
 *
 * Paging: each answer's `$skipToken` goes into the next request's `options.$skipToken` until an answer
 * has none ("Work with large data sets": at most 1,000 records per page). Quota: every answer carries
 * `x-ms-user-quota-remaining` and `x-ms-user-quota-resets-after` (hh:mm:ss), "Guidance for throttled
 * requests in Azure Resource Graph": when no query is left, the next page waits until the window
 * resets; a 429 waits for `Retry-After` (or the reset) and tries again, within a total wait budget,
 * after which it fails `arm_throttled` and the caller keeps what it knew.
 */
import type { TokenCredential } from '@azure/core-auth';
import { request } from 'undici';
import { z } from 'zod';
import { AppError } from '../errors';
import { isLoopbackHost } from '../net/loopback';
import { isCredentialUnavailable } from './arm-errors';
import { RESOURCE_ID_PATTERNS } from './resource-id';
import { retryAfterMsOf } from './tenant-discovery';

export const RESOURCE_GRAPH_API_VERSION = '2024-04-01';
/** Resource Graph's largest page. */
const PAGE_SIZE = 1000;

export type DiscoveryScope =
  | { readonly kind: 'subscriptions'; readonly subscriptionIds: readonly string[] }
  | { readonly kind: 'managementGroup'; readonly managementGroupId: string };

export interface DiscoveryTag {
  readonly name: string;
  readonly value: string;
}

/**
 * The one query the product sends (the ARM emulator answers exactly this shape). Tag name and value
 * are plain literals: their settings refuse quotes and backslashes, so nothing needs escaping.
 * `order by id` keeps pages stable across `$skipToken` requests.
 */
export function privateLinkServiceQuery(tag: DiscoveryTag | undefined): string {
  const filter = tag === undefined ? '' : ` | where tags['${tag.name}'] == '${tag.value}'`;
  return `resources | where type =~ 'microsoft.network/privatelinkservices'${filter} | project id | order by id asc`;
}

/**
 * The "what is new" pass's query (`graph` mode; the ARM emulator answers exactly this text): one row
 * per Pending connection, with its PLS id and connection name, only for PLS that have one. The
 * connection objects are those ARM returns inline in `properties.privateEndpointConnections`
 * (PrivateLinkServiceProperties, privateLinkService.json); `=~` compares case-insensitively as ARM's
 * status strings are not guaranteed in one casing. `order by` keeps pages stable across `$skipToken`.
 */
export const PENDING_CONNECTIONS_QUERY =
  "resources | where type =~ 'microsoft.network/privatelinkservices' | mv-expand connection = properties.privateEndpointConnections | where tostring(connection.properties.privateLinkServiceConnectionState.status) =~ 'Pending' | project id, connectionName = tostring(connection.name) | order by id asc, connectionName asc";

const idRowSchema = z.object({ id: z.string() });
const pendingRowSchema = z.object({ id: z.string(), connectionName: z.string().min(1) });

/** QueryResponse, the fields this module reads (resultFormat objectArray: `data` is an array of rows). */
const queryResponseSchema = z.object({
  totalRecords: z.number().int().nonnegative(),
  count: z.number().int().nonnegative(),
  data: z.array(z.unknown()),
  $skipToken: z.string().min(1).optional(),
});

export interface ResourceGraphOptions {
  readonly endpoint: URL;
  /** Token scope (config.arm.scope). */
  readonly scope: string;
  readonly credential: TokenCredential;
  /** Most time one discovery may spend waiting for the quota; 30 s by default. */
  readonly maxWaitMs?: number;
  /** Per request; 30 s by default. */
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface PendingConnectionsResult {
  /** One row per Pending connection: the PLS id as Resource Graph spells it and the connection name. */
  readonly connections: readonly { readonly id: string; readonly connectionName: string }[];
  /** Queries sent (one per page). */
  readonly pages: number;
  readonly waitedMs: number;
}

export interface DiscoveryResult {
  readonly ids: readonly string[];
  readonly pages: number;
  /** Time spent waiting for the quota. */
  readonly waitedMs: number;
}

export class ResourceGraphClient {
  private readonly maxWaitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ResourceGraphOptions) {
    const { protocol, hostname } = options.endpoint;
    if (protocol !== 'https:' && !(protocol === 'http:' && isLoopbackHost(hostname))) {
      // The bearer token goes wherever this points (as for the ARM gateway).
      throw new Error('ARM endpoint must be https (plain http only for loopback hosts).');
    }
    this.maxWaitMs = options.maxWaitMs ?? 30_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Every PLS id in the scope (with the tag), all pages. Ids that are not PLS ids are dropped. */
  async listPrivateLinkServiceIds(
    scope: DiscoveryScope,
    tag: DiscoveryTag | undefined,
  ): Promise<DiscoveryResult> {
    const { rows, pages, waitedMs } = await this.queryAll(scope, privateLinkServiceQuery(tag), idRowSchema);
    const ids = rows.map((row) => row.id).filter((id) => RESOURCE_ID_PATTERNS.privateLinkService.test(id));
    return { ids, pages, waitedMs };
  }

  /**
   * The Pending connections of every PLS in the scope, one row per connection (the "what is new"
   * pass in `graph` mode), all pages. Rows whose id is not a PLS id are dropped. Resource Graph is
   * eventually consistent: a row is a hint to re-read that PLS from ARM, never a state to act on.
   */
  async listPendingConnections(scope: DiscoveryScope): Promise<PendingConnectionsResult> {
    const { rows, pages, waitedMs } = await this.queryAll(scope, PENDING_CONNECTIONS_QUERY, pendingRowSchema);
    const connections = rows.filter((row) => RESOURCE_ID_PATTERNS.privateLinkService.test(row.id));
    return { connections, pages, waitedMs };
  }

  /** One query, every page: `$skipToken` paging within the quota (see the top of this file). */
  private async queryAll<Row>(
    scope: DiscoveryScope,
    query: string,
    rowSchema: z.ZodType<Row>,
  ): Promise<{ rows: Row[]; pages: number; waitedMs: number }> {
    const base = {
      ...(scope.kind === 'subscriptions'
        ? { subscriptions: scope.subscriptionIds }
        : { managementGroups: [scope.managementGroupId] }),
      query,
    };
    const rows: Row[] = [];
    let skipToken: string | undefined;
    let pages = 0;
    let waitedMs = 0;
    let waitBeforeNext = 0;
    for (;;) {
      if (waitBeforeNext > 0) {
        waitedMs += await this.wait(waitBeforeNext, waitedMs);
        waitBeforeNext = 0;
      }
      const body = {
        ...base,
        options: {
          $top: PAGE_SIZE,
          resultFormat: 'objectArray',
          ...(skipToken === undefined ? {} : { $skipToken: skipToken }),
        },
      };
      const answer = await this.post(body);
      if (answer.status === 429) {
        waitedMs += await this.wait(answer.retryAfterMs ?? answer.resetsAfterMs ?? 5_000, waitedMs);
        continue;
      }
      pages += 1;
      for (const row of answer.page.data) {
        const parsed = rowSchema.safeParse(row);
        if (!parsed.success)
          throw new AppError('arm_error', 'Resource Graph answered with an unexpected row.');
        rows.push(parsed.data);
      }
      skipToken = answer.page.$skipToken;
      if (skipToken === undefined) break;
      // No query left in this window: the next page would be throttled, so it waits for the reset.
      if (answer.remaining === 0) waitBeforeNext = answer.resetsAfterMs ?? 1_000;
    }
    return { rows, pages, waitedMs };
  }

  /** Waits `ms` if the budget allows it, else fails `arm_throttled` (nothing of this run's list is used). */
  private async wait(ms: number, waitedMs: number): Promise<number> {
    if (waitedMs + ms > this.maxWaitMs)
      throw new AppError(
        'arm_throttled',
        'Resource Graph quota is spent; discovery retries on the next run.',
        {
          retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)),
        },
      );
    await this.sleep(ms);
    return ms;
  }

  private async post(body: unknown): Promise<
    | { status: 429; retryAfterMs: number | undefined; resetsAfterMs: number | undefined }
    | {
        status: 200;
        page: z.infer<typeof queryResponseSchema>;
        remaining: number | undefined;
        resetsAfterMs: number | undefined;
      }
  > {
    const url = new URL('/providers/Microsoft.ResourceGraph/resources', this.options.endpoint);
    url.searchParams.set('api-version', RESOURCE_GRAPH_API_VERSION);
    let token: string;
    try {
      const issued = await this.options.credential.getToken(this.options.scope);
      if (issued === null) throw new Error('no token');
      token = issued.token;
    } catch (error) {
      if (isCredentialUnavailable(error))
        throw new AppError('arm_credential_unavailable', 'No Azure credential for Resource Graph.', {
          cause: error,
        });
      throw new AppError('arm_unavailable', 'No token for Resource Graph.', { cause: error });
    }
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new AppError('arm_unavailable', 'Resource Graph could not be reached.', { cause: error });
    }
    const header = (name: string) => {
      const value = response.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const remainingText = header('x-ms-user-quota-remaining');
    const remaining =
      remainingText !== undefined && /^\d+$/.test(remainingText) ? Number(remainingText) : undefined;
    const resetsAfterMs = durationMsOf(header('x-ms-user-quota-resets-after'));
    const text = await response.body.text();
    if (response.statusCode === 429)
      return { status: 429, retryAfterMs: retryAfterMsOf(header('retry-after')), resetsAfterMs };
    const upstreamCode = errorCodeOf(text);
    if (response.statusCode >= 500)
      throw new AppError('arm_unavailable', `Resource Graph answered ${response.statusCode}.`, {
        upstreamCode,
      });
    if (response.statusCode !== 200)
      throw new AppError('arm_error', `Resource Graph answered ${response.statusCode}.`, { upstreamCode });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AppError('arm_error', 'Resource Graph answered with a body that is not JSON.');
    }
    const parsed = queryResponseSchema.safeParse(json);
    if (!parsed.success) throw new AppError('arm_error', 'Resource Graph answered with an unexpected body.');
    return { status: 200, page: parsed.data, remaining, resetsAfterMs };
  }
}

/** `hh:mm:ss` (the quota header's format) in milliseconds; undefined when absent or unreadable. */
export function durationMsOf(value: string | undefined): number | undefined {
  const match = value === undefined ? null : /^(\d+):([0-5]\d):([0-5]\d)$/.exec(value.trim());
  if (match === null) return undefined;
  return ((Number(match[1]) * 60 + Number(match[2])) * 60 + Number(match[3])) * 1000;
}

function errorCodeOf(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code.slice(0, 100) : undefined;
  } catch {
    return undefined;
  }
}
