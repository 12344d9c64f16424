/*
 * `POST /providers/Microsoft.ResourceGraph/resources` (Resources_Resources in
 * specification/resourcegraph/resource-manager/Microsoft.ResourceGraph/stable/2024-04-01/resourcegraph.json,
 * Azure/azure-rest-api-specs): a QueryRequest `{subscriptions?, managementGroups?, query, options?}` with
 * `options.$top`, `options.$skipToken`, `options.resultFormat`; the answer is a QueryResponse
 * `{totalRecords, count, resultTruncated, $skipToken?, data, facets}` (examples ResourcesFirstPageQuery
 * and ResourcesNextPageQuery of the same folder). The emulator runs no KQL: it answers only the query
 * shapes the product sends (shared/arm/resource-graph.ts builds them; docs/arm-emulator.md lists
 * them) and refuses any other text with 400, so a change of the product's query cannot pass unnoticed.
 */
import { createHash } from 'node:crypto';
import type { RouteHandler } from '../context';
import { parseJsonBody, sendJson } from '../http';
import { EmulatorError } from '../world';

/** The product's query: every PLS, optionally with one tag equal to a value, ids only. */
const PRODUCT_QUERY =
  /^resources \| where type =~ 'microsoft\.network\/privatelinkservices'(?: \| where tags\['([^'\\]+)'\] == '([^'\\]*)')? \| project id \| order by id asc$/;

/**
 * The "what is new" pass's query (shared/arm/resource-graph.ts PENDING_CONNECTIONS_QUERY), written out
 * here on purpose: a change of the product's text must fail its tests, not pass silently. One row per
 * Pending connection (`mv-expand` of the inline `properties.privateEndpointConnections`), PLS id and
 * connection name, ordered by both.
 */
const PENDING_CONNECTIONS_QUERY =
  "resources | where type =~ 'microsoft.network/privatelinkservices' | mv-expand connection = properties.privateEndpointConnections | where tostring(connection.properties.privateLinkServiceConnectionState.status) =~ 'Pending' | project id, connectionName = tostring(connection.name) | order by id asc, connectionName asc";

/** Resource Graph answers at most 1,000 records per page; 100 when `$top` is not given ("Work with large data sets"). */
const MAX_TOP = 1000;
const DEFAULT_TOP = 100;

interface GraphRequest {
  readonly subscriptions: readonly string[] | undefined;
  readonly managementGroups: readonly string[] | undefined;
  readonly query: string;
  readonly top: number;
  readonly skipToken: string | undefined;
  readonly resultFormat: string;
}

export const queryResourceGraph: RouteHandler = (context, { body, response }) => {
  const request = parseRequest(parseJsonBody(body));
  const rows = rowsOf(context.world, request);
  const fingerprint = queryFingerprint(request);
  const offset = request.skipToken === undefined ? 0 : readSkipToken(request.skipToken, fingerprint);
  const pageSize = Math.min(request.top, context.graphPageSize);
  const page = rows.slice(offset, offset + pageSize);
  const next = offset + page.length;
  sendJson(response, 200, {
    totalRecords: rows.length,
    count: page.length,
    resultTruncated: 'false',
    facets: [],
    ...(next < rows.length ? { $skipToken: skipToken(next, fingerprint) } : {}),
    data: request.resultFormat === 'table' ? tableOf(page) : page,
  });
};

type Row = Readonly<Record<string, string>>;

/** The rows of one of the product's queries, in its order; any other text is refused with 400. */
function rowsOf(world: Parameters<RouteHandler>[0]['world'], request: GraphRequest): Row[] {
  const byId = (a: string, b: string) => {
    const [x, y] = [a.toLowerCase(), b.toLowerCase()];
    return x < y ? -1 : x > y ? 1 : 0;
  };
  const match = PRODUCT_QUERY.exec(request.query);
  if (match !== null) {
    const [, tagName, tagValue] = match;
    const subscriptions = scopeSubscriptions(world, request);
    return world
      .privateLinkServices()
      .filter((pls) => subscriptions.has(pls.subscriptionId))
      .filter((pls) => tagName === undefined || pls.tags[tagName] === tagValue)
      .map((pls) => pls.id)
      .sort(byId)
      .map((id) => ({ id }));
  }
  if (request.query === PENDING_CONNECTIONS_QUERY) {
    const subscriptions = scopeSubscriptions(world, request);
    return world
      .privateLinkServices()
      .filter((pls) => subscriptions.has(pls.subscriptionId))
      .flatMap((pls) =>
        [...pls.connections.values()]
          .filter((c) => c.status.toLowerCase() === 'pending')
          .map((c) => ({ id: pls.id, connectionName: c.name })),
      )
      .sort((a, b) => byId(a.id, b.id) || byId(a.connectionName, b.connectionName));
  }
  throw new EmulatorError(
    400,
    'BadRequest',
    'Please provide below info when asking for support: the ARM emulator answers only the query shapes of docs/arm-emulator.md.',
    { details: [{ code: 'InvalidQuery', message: 'Query is invalid or not served by the emulator.' }] },
  );
}

function parseRequest(body: unknown): GraphRequest {
  const invalid = (message: string) => new EmulatorError(400, 'BadRequest', message);
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw invalid('The request body must be a QueryRequest object.');
  const raw = body as Record<string, unknown>;
  if (typeof raw.query !== 'string') throw invalid("The request body must have a 'query' string.");
  const strings = (value: unknown, name: string): readonly string[] | undefined => {
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
      throw invalid(`'${name}' must be an array of strings.`);
    return value as string[];
  };
  const options = (raw.options ?? {}) as Record<string, unknown>;
  const top = options.$top === undefined ? DEFAULT_TOP : Number(options.$top);
  if (!Number.isInteger(top) || top < 1 || top > MAX_TOP)
    throw invalid(`'$top' must be between 1 and ${MAX_TOP}.`);
  const skipToken = options.$skipToken;
  if (skipToken !== undefined && typeof skipToken !== 'string')
    throw invalid("'$skipToken' must be a string.");
  const resultFormat = options.resultFormat ?? 'objectArray';
  if (resultFormat !== 'objectArray' && resultFormat !== 'table')
    throw invalid("'resultFormat' must be objectArray or table.");
  return {
    subscriptions: strings(raw.subscriptions, 'subscriptions'),
    managementGroups: strings(raw.managementGroups, 'managementGroups'),
    query: raw.query,
    top,
    skipToken,
    resultFormat,
  };
}

/** The subscriptions the request covers; an unknown management group is refused as ARM refuses an unknown scope. */
function scopeSubscriptions(world: Parameters<RouteHandler>[0]['world'], request: GraphRequest): Set<string> {
  const scope = new Set((request.subscriptions ?? []).map((s) => s.toLowerCase()));
  for (const group of request.managementGroups ?? []) {
    const under = world.subscriptionsUnder(group);
    if (under === undefined)
      throw new EmulatorError(
        403,
        'AuthorizationFailed',
        `The client does not have authorization to perform query over management group '${group}' or it does not exist.`,
      );
    for (const subscription of under) scope.add(subscription);
  }
  return scope;
}

/** The token says where the next page starts and which request it belongs to (another request's token is refused). */
function queryFingerprint(request: GraphRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([request.query, request.subscriptions ?? [], request.managementGroups ?? []]))
    .digest('hex')
    .slice(0, 16);
}

function skipToken(offset: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ o: offset, q: fingerprint }), 'utf8').toString('base64');
}

function readSkipToken(token: string, fingerprint: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { o?: unknown; q?: unknown };
    if (
      typeof parsed.o === 'number' &&
      Number.isInteger(parsed.o) &&
      parsed.o >= 0 &&
      parsed.q === fingerprint
    )
      return parsed.o;
  } catch {
    // falls through to the refusal
  }
  throw new EmulatorError(400, 'BadRequest', 'The $skipToken is invalid or belongs to another query.');
}

function tableOf(rows: readonly Row[]) {
  const names = Object.keys(rows[0] ?? { id: '' });
  return {
    columns: names.map((name) => ({ name, type: 'string' })),
    rows: rows.map((row) => names.map((name) => row[name] ?? '')),
  };
}
