import { z } from 'zod';
import {
  eventsQuerySchema,
  meSchema,
  probeEventListSchema,
  probeSeriesSchema,
  seriesParamsSchema,
  seriesQuerySchema,
} from '../../dashboard/core/dashboard-schemas';
import {
  approveBodySchema,
  connectionDetailSchema,
  connectionListSchema,
  connectionParamsSchema,
  decisionListSchema,
  decisionResultSchema,
  evaluatePolicyBodySchema,
  evaluateResultSchema,
  eventFastPathSchema,
  healthReportSchema,
  listConnectionsQuerySchema,
  listDecisionsQuerySchema,
  openApiDocumentSchema,
  probesSummarySchema,
  rejectBodySchema,
} from '../core/api-schemas';

/**
 * The HTTP API as data: one spec per route (the function's name, method and route template as
 * registered in functions/), with the schemas that parse its input and describe its answers. The
 * OpenAPI document is generated from this list; a test holds it to functions/registry.ts.
 */
export type Access = 'anonymous' | 'functionKey' | 'read' | 'approve';

export interface RouteSpec {
  /** The function name (functions/{operationId}.ts), also the OpenAPI operationId. */
  readonly operationId: string;
  readonly method: 'get' | 'post';
  /** Route template under /api, as registered. */
  readonly route: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly access: Access;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: { readonly schema: z.ZodType; readonly required: boolean };
  readonly success: ResponseSpec;
  /** Other non-problem answers (health answers 503 with its report). */
  readonly alternatives?: readonly ResponseSpec[];
  /** Error statuses this route can answer (problem+json), besides the ones every protected route has. */
  readonly errors: readonly number[];
}

export interface ResponseSpec {
  readonly status: number;
  readonly description: string;
  readonly schema: z.ZodType;
  /** Media types of the body; `application/json` when omitted. */
  readonly contentTypes?: readonly string[];
}

const CONNECTION_ERRORS = [400, 404, 502, 503];

/** POST approve|reject: one decision path, so one contract but for the body and the words. */
function decisionSpec(
  action: 'approve' | 'reject',
  spec: Pick<RouteSpec, 'summary' | 'body'> & { readonly description?: string },
): RouteSpec {
  return {
    operationId: `${action}Connection`,
    method: 'post',
    route: `connections/{pls}/{connection}/${action}`,
    tag: 'decisions',
    access: 'approve',
    params: connectionParamsSchema,
    success: { status: 200, description: 'The decision.', schema: decisionResultSchema },
    errors: [...CONNECTION_ERRORS, 409, 413, 415],
    ...spec,
  };
}

export const ROUTE_SPECS: readonly RouteSpec[] = [
  {
    operationId: 'listConnections',
    method: 'get',
    route: 'connections',
    tag: 'connections',
    summary: 'List the connections of the managed Private Link Services',
    description:
      "Every private endpoint connection of the configured Private Link Services with the consumer's subscription and tenant, request message, last decision and the policy's current verdict. Ordered by PLS (as configured) then connection name; paged with `continuationToken`.",
    access: 'read',
    query: listConnectionsQuerySchema,
    success: { status: 200, description: 'One page of connections.', schema: connectionListSchema },
    errors: CONNECTION_ERRORS,
  },
  {
    operationId: 'getConnection',
    method: 'get',
    route: 'connections/{pls}/{connection}',
    tag: 'connections',
    summary: 'One connection with its full decision history',
    access: 'read',
    params: connectionParamsSchema,
    success: {
      status: 200,
      description: 'The connection and every audit row about it, newest first.',
      schema: connectionDetailSchema,
    },
    errors: CONNECTION_ERRORS,
  },
  decisionSpec('approve', {
    summary: 'Approve a connection (as the calling person)',
    description:
      'Runs the same write-ahead decision path as the policy, with the caller as the actor: claim, intent row, re-read, PUT only if the state is unchanged, outcome row. The reason (optional) becomes the description. 409 when the state forbids it (Rejected → Approved is impossible in ARM), when another decision holds the connection, or when the state changed meanwhile.',
    body: { schema: approveBodySchema, required: false },
  }),
  decisionSpec('reject', {
    summary: 'Reject a connection (as the calling person); a reason is required',
    body: { schema: rejectBodySchema, required: true },
  }),
  {
    operationId: 'eventFastPath',
    method: 'get',
    route: 'approval/fast-path',
    tag: 'decisions',
    summary: 'How new connections arrived in the last 30 days: by event or by reconciliation',
    description:
      'Whether Event Grid delivers an event for a consumer’s new connection is not published; this answers it for your tenant. See docs/architecture.md ("Event fast path statistics").',
    access: 'read',
    success: { status: 200, description: 'The figures.', schema: eventFastPathSchema },
    errors: [503],
  },
  {
    operationId: 'listDecisions',
    method: 'get',
    route: 'decisions',
    tag: 'decisions',
    summary: 'The audit trail, newest first',
    description:
      'Intent, outcome and verdict rows, filtered by connection (`pls` + `connection`), actor and time range (`from`/`to`, at most 366 days; default the last 30). Paged with `continuationToken`; a page may hold fewer items than `limit` (even none) while `continuationToken` is not null, when filters skip many rows.',
    access: 'read',
    query: listDecisionsQuerySchema,
    success: { status: 200, description: 'One page of audit rows.', schema: decisionListSchema },
    errors: [400, 404, 503],
  },
  {
    operationId: 'evaluatePolicy',
    method: 'post',
    route: 'policy/evaluate',
    tag: 'policy',
    summary: 'Dry run: what a policy would do, and why',
    description:
      'Evaluates the current policy, or one given in the body (YAML/JSON text or an object), against every current connection or one hypothetical connection. Changes nothing. A bad policy is a 400 listing every problem with its path (`policy.rules[2].match.requestMessage`).',
    access: 'read',
    body: { schema: evaluatePolicyBodySchema, required: false },
    success: { status: 200, description: 'One evaluation per connection.', schema: evaluateResultSchema },
    errors: [400, 404, 413, 415, 500, 502, 503],
  },
  {
    operationId: 'openApiDocument',
    method: 'get',
    route: 'openapi.json',
    tag: 'meta',
    summary: 'This OpenAPI 3.1 document',
    access: 'read',
    success: { status: 200, description: 'The OpenAPI document.', schema: openApiDocumentSchema },
    errors: [],
  },
  {
    operationId: 'health',
    method: 'get',
    route: 'health',
    tag: 'meta',
    summary:
      'Health: anonymous callers get the status and each dependency up/down; readers also get each feature state and its problems',
    access: 'anonymous',
    success: {
      status: 200,
      description:
        'Healthy, or degraded (a feature is off because its own settings or document are invalid).',
      schema: healthReportSchema,
    },
    alternatives: [
      {
        status: 503,
        description: 'A dependency does not answer (named in the report).',
        schema: healthReportSchema,
      },
    ],
    errors: [],
  },
  {
    operationId: 'probeSeries',
    method: 'get',
    route: 'probes/{target}/series',
    tag: 'probes',
    summary: 'Latency and verdicts of one probe target over a range, bucketed',
    access: 'read',
    params: seriesParamsSchema,
    query: seriesQuerySchema,
    success: {
      status: 200,
      description: 'Every bucket of the range, oldest first.',
      schema: probeSeriesSchema,
    },
    errors: [404, 503],
  },
  {
    operationId: 'probeEvents',
    method: 'get',
    route: 'probes/events',
    tag: 'probes',
    summary: 'Probe state changes (incident timeline) with their evidence, newest first',
    access: 'read',
    query: eventsQuerySchema,
    success: { status: 200, description: 'The events in the range.', schema: probeEventListSchema },
    errors: [503],
  },
  {
    operationId: 'me',
    method: 'get',
    route: 'me',
    tag: 'meta',
    summary: 'The calling principal and what it may do',
    access: 'read',
    success: { status: 200, description: 'The principal.', schema: meSchema },
    errors: [],
  },
  {
    operationId: 'dashboard',
    method: 'get',
    route: 'dashboard',
    tag: 'dashboard',
    summary: "The operators' dashboard page (static HTML; its data comes from the JSON routes)",
    description:
      'Anonymous at the function level (a browser cannot send a function key on a page load); in Azure, App Service Authentication signs the user in before the request arrives.',
    access: 'anonymous',
    success: { status: 200, description: 'The page.', schema: z.string(), contentTypes: ['text/html'] },
    errors: [503],
  },
  {
    operationId: 'dashboardAsset',
    method: 'get',
    route: 'dashboard/assets/{name}',
    tag: 'dashboard',
    summary: "The dashboard's script and stylesheet (content-hashed names, cached immutably)",
    access: 'anonymous',
    params: z.object({ name: z.string().meta({ description: 'A file name the page refers to.' }) }).strict(),
    success: {
      status: 200,
      description: 'The file.',
      schema: z.string(),
      contentTypes: ['text/javascript', 'text/css'],
    },
    errors: [404, 503],
  },
  {
    operationId: 'probesSummary',
    method: 'get',
    route: 'probes/summary',
    tag: 'probes',
    summary: 'Probe state, availability and latency per target',
    access: 'read',
    success: { status: 200, description: 'The summary.', schema: probesSummarySchema },
    errors: [503],
  },
];
