import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { authorizeRequest, type Permission, type Principal } from '../../auth/principal';
import { type Container, getContainer } from '../../composition-root';
import { json, parseInput, queryObject, readJsonBody } from '../../http/http-adapter';
import {
  approveBodySchema,
  connectionParamsSchema,
  evaluatePolicyBodySchema,
  listConnectionsQuerySchema,
  listDecisionsQuerySchema,
  rejectBodySchema,
} from '../core/api-schemas';
import { decideByPerson } from '../use-cases/decide-by-person';
import { dryRunPolicy } from '../use-cases/dry-run-policy';
import { getConnectionDetail } from '../use-cases/get-connection';
import { listConnectionItems } from '../use-cases/list-connections';
import { readDecisions } from '../use-cases/list-decisions';
import { normaliseReference } from '../use-cases/managed-pls';
import { servedOpenApiDocument } from './openapi-document';

/**
 * The API's HTTP handlers: authorise first (401/403 before anything about the input is revealed),
 * parse every parameter, query and body with its schema, run one use case, answer JSON. Errors
 * leave through httpRoute (functions/) as problem+json.
 */
type Route = (
  request: HttpRequest,
  context: InvocationContext,
  correlationId: string,
) => Promise<HttpResponseInit>;

function authorized(
  request: HttpRequest,
  permission: Permission,
): { container: Container; principal: Principal } {
  const container = getContainer();
  return { container, principal: authorizeRequest(request, container.config, permission) };
}

function connectionParams(request: HttpRequest): z.output<typeof connectionParamsSchema> {
  const params: Record<string, string> = { ...request.params };
  if (params.pls !== undefined) params.pls = normaliseReference(params.pls);
  return parseInput(connectionParamsSchema, params, 'path');
}

/**
 * A POST whose body is optional still declares JSON (httpRoute's write guard refuses anything
 * else, 415): an empty body with the JSON type reads as `{}`.
 */
async function optionalJsonBody<T>(request: HttpRequest, schema: z.ZodType<T>): Promise<T> {
  return readJsonBody(request, schema);
}

export const listConnectionsRoute: Route = async (request) => {
  const { container } = authorized(request, 'read');
  const query = parseInput(listConnectionsQuerySchema, queryObject(request), 'query');
  return json(200, await listConnectionItems(container, query));
};

export const getConnectionRoute: Route = async (request) => {
  const { container } = authorized(request, 'read');
  return json(200, await getConnectionDetail(container, connectionParams(request)));
};

async function decide(
  action: 'approve' | 'reject',
  request: HttpRequest,
  context: InvocationContext,
  correlationId: string,
): Promise<HttpResponseInit> {
  const { container, principal } = authorized(request, 'approve');
  const params = connectionParams(request);
  const body =
    action === 'approve'
      ? await optionalJsonBody(request, approveBodySchema)
      : await readJsonBody(request, rejectBodySchema);
  const result = await decideByPerson(
    container,
    {
      ...params,
      action,
      reason: body.reason,
      principal,
      correlationId,
      ifMatch: request.headers.get('if-match') ?? undefined,
      expectedStatus: body.expectedStatus,
    },
    context,
  );
  context.log(
    JSON.stringify({
      event: 'api.decision',
      action,
      outcome: result.outcome,
      connection: result.connection.id,
      actor: principal.objectId,
      correlationId,
    }),
  );
  return json(200, result);
}

export const approveConnectionRoute: Route = (request, context, correlationId) =>
  decide('approve', request, context, correlationId);

export const rejectConnectionRoute: Route = (request, context, correlationId) =>
  decide('reject', request, context, correlationId);

export const eventFastPathRoute: Route = async (request) => {
  const { container } = authorized(request, 'read');
  const { readFastPathStats } = await import('../../approval/use-cases/read-fast-path-stats');
  return json(200, await readFastPathStats(await container.approvalServices()));
};

export const listDecisionsRoute: Route = async (request) => {
  const { container } = authorized(request, 'read');
  const query = parseInput(listDecisionsQuerySchema, queryObject(request), 'query');
  return json(200, await readDecisions(container, query));
};

export const evaluatePolicyRoute: Route = async (request) => {
  const { container } = authorized(request, 'read');
  const body = await optionalJsonBody(request, evaluatePolicyBodySchema);
  return json(200, await dryRunPolicy(container, body));
};

export const openApiDocumentRoute: Route = async (request) => {
  authorized(request, 'read');
  return json(200, servedOpenApiDocument());
};
