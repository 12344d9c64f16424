/*
 * The emulator's route table: ARM paths (matched case-insensitively, as ARM does), the method → route
 * kind of each, and the api-versions each provider accepts. Pure: no I/O.
 */
import { formatPlsId, formatPrivateEndpointId } from '../../shared/arm/resource-id';
import type { RouteKind } from './route-kinds';

export interface Route {
  readonly kind: RouteKind;
  /** Lower-cased subscription of the path. */
  readonly subscriptionId: string;
  /** The resource the path names (for operations: the subscription). */
  readonly resourceId: string;
  readonly params: Readonly<Record<string, string>>;
  /** Which API's versions apply. */
  readonly api: 'network' | 'resources' | 'resourceGraph';
}

export type RouteMatch =
  | { readonly matched: true; readonly route: Route }
  /** The path is served but not with this method (ARM answers 405). */
  | { readonly matched: false; readonly reason: 'method'; readonly kind: RouteKind }
  | { readonly matched: false; readonly reason: 'path' };

export const NETWORK_API_VERSIONS: ReadonlySet<string> = new Set([
  '2023-04-01',
  '2023-05-01',
  '2023-06-01',
  '2023-09-01',
  '2023-11-01',
  '2024-01-01',
  '2024-03-01',
  '2024-05-01',
  '2024-07-01',
  '2024-10-01',
  '2025-01-01',
  '2025-03-01',
  '2025-05-01',
]);
export const RESOURCES_API_VERSIONS: ReadonlySet<string> = new Set([
  '2016-06-01',
  '2020-01-01',
  '2021-01-01',
  '2022-12-01',
]);
/**
 * Resource Graph's stable api-versions in Azure/azure-rest-api-specs
 * (specification/resourcegraph/resource-manager/Microsoft.ResourceGraph/stable/{version}/resourcegraph.json);
 * the product sends the newest, 2024-04-01.
 */
export const RESOURCE_GRAPH_API_VERSIONS: ReadonlySet<string> = new Set([
  '2019-04-01',
  '2021-03-01',
  '2022-10-01',
  '2024-04-01',
]);
export const API_VERSION_FORMAT = /^\d{4}-\d{2}-\d{2}(-preview)?$/;

const SUB = '([0-9a-fA-F-]{36})';
const SEG = '([^/]+)';
const NET = `/subscriptions/${SUB}/resourceGroups/${SEG}/providers/Microsoft\\.Network`;

interface RouteEntry {
  readonly pattern: RegExp;
  readonly api: Route['api'];
  /** Route kind per HTTP method; the first one names the path when the method is not served. */
  readonly methods: Readonly<Partial<Record<string, RouteKind>>>;
  readonly resource: (groups: readonly string[]) => {
    readonly subscriptionId: string;
    readonly resourceId: string;
    readonly params?: Record<string, string>;
  };
}

const ROUTE_TABLE: readonly RouteEntry[] = [
  {
    // Tenant-level: the scope (subscriptions or management groups) is in the body, not the path.
    pattern: /^\/providers\/Microsoft\.ResourceGraph\/resources$/i,
    api: 'resourceGraph',
    methods: { POST: 'graph.query' },
    resource: () => ({ subscriptionId: '', resourceId: '/providers/Microsoft.ResourceGraph/resources' }),
  },
  {
    pattern: new RegExp(`^/subscriptions/${SUB}$`, 'i'),
    api: 'resources',
    methods: { GET: 'subscription.get' },
    resource: ([sub = '']) => ({ subscriptionId: sub, resourceId: `/subscriptions/${sub}` }),
  },
  {
    // PrivateLinkServices_ListBySubscription (privateLinkService.json): every PLS of the subscription.
    pattern: new RegExp(`^/subscriptions/${SUB}/providers/Microsoft\\.Network/privateLinkServices$`, 'i'),
    api: 'network',
    methods: { GET: 'pls.list' },
    resource: ([sub = '']) => ({ subscriptionId: sub, resourceId: `/subscriptions/${sub}` }),
  },
  {
    pattern: new RegExp(`^${NET}/privateLinkServices/${SEG}$`, 'i'),
    api: 'network',
    methods: { GET: 'pls.get', PUT: 'pls.put' },
    resource: ([sub = '', rg = '', pls = '']) => ({
      subscriptionId: sub,
      resourceId: formatPlsId(sub, rg, pls),
      params: { rg, pls },
    }),
  },
  {
    pattern: new RegExp(`^${NET}/privateLinkServices/${SEG}/privateEndpointConnections$`, 'i'),
    api: 'network',
    methods: { GET: 'connection.list' },
    resource: ([sub = '', rg = '', pls = '']) => ({
      subscriptionId: sub,
      resourceId: formatPlsId(sub, rg, pls),
      params: { rg, pls },
    }),
  },
  {
    pattern: new RegExp(`^${NET}/privateLinkServices/${SEG}/privateEndpointConnections/${SEG}$`, 'i'),
    api: 'network',
    methods: { GET: 'connection.get', PUT: 'connection.put', DELETE: 'connection.delete' },
    resource: ([sub = '', rg = '', pls = '', name = '']) => ({
      subscriptionId: sub,
      resourceId: formatPlsId(sub, rg, pls),
      params: { rg, pls, name },
    }),
  },
  {
    pattern: new RegExp(`^${NET}/privateEndpoints/${SEG}$`, 'i'),
    api: 'network',
    methods: { GET: 'endpoint.get', PUT: 'endpoint.put', DELETE: 'endpoint.delete' },
    resource: ([sub = '', rg = '', pe = '']) => ({
      subscriptionId: sub,
      resourceId: formatPrivateEndpointId(sub, rg, pe),
      params: { rg, pe },
    }),
  },
  {
    pattern: new RegExp(
      `^/subscriptions/${SUB}/providers/Microsoft\\.Network/locations/${SEG}/(operations|operationResults)/${SEG}$`,
      'i',
    ),
    api: 'network',
    methods: { GET: 'operation.get' },
    resource: ([sub = '', location = '', flavour = '', id = '']) => ({
      subscriptionId: sub,
      resourceId: `/subscriptions/${sub}`,
      params: { location, flavour: flavour.toLowerCase(), id },
    }),
  },
];

export function matchRoute(pathname: string, method: string): RouteMatch {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  for (const entry of ROUTE_TABLE) {
    const match = entry.pattern.exec(path);
    if (match === null) continue;
    const kind = entry.methods[method];
    if (kind === undefined) {
      const first = Object.values(entry.methods)[0] ?? 'unknown';
      return { matched: false, reason: 'method', kind: first };
    }
    const groups = match.slice(1).map((g) => safeDecode(g ?? ''));
    const resource = entry.resource(groups);
    return {
      matched: true,
      route: {
        kind,
        subscriptionId: resource.subscriptionId.toLowerCase(),
        resourceId: resource.resourceId,
        params: resource.params ?? {},
        api: entry.api,
      },
    };
  }
  return { matched: false, reason: 'path' };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
