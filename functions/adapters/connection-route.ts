/*
 * What the connection functions (getConnection, approveConnection, rejectConnection) share: the
 * path parameters and the person's decision. Trigger layer: it reaches the composition root.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import {
  approveBodySchema,
  connectionParamsSchema,
  decisionResultSchema,
  rejectBodySchema,
} from '../../shared/api/core/api-schemas';
import { decideByPerson } from '../../shared/api/use-cases/decide-by-person';
import { normaliseReference } from '../../shared/api/use-cases/managed-pls';
import { authorizeRequest } from '../../shared/auth/principal';
import { getContainer } from '../../shared/composition-root';
import { json, parseInput, readJsonBody } from '../../shared/http/http-adapter';
import type { RouteApi } from '../../shared/http/route-spec';

/** Errors every connection route can answer (problem+json). */
export const CONNECTION_ERRORS = [400, 404, 502, 503];

/** `{pls}` may be a name or a full id (URL-encoded); parsed with the schema the OpenAPI document shows. */
export function connectionParams(request: HttpRequest): z.output<typeof connectionParamsSchema> {
  const params: Record<string, string> = { ...request.params };
  if (params.pls !== undefined) params.pls = normaliseReference(params.pls);
  return parseInput(connectionParamsSchema, params, 'path');
}

/** POST approve|reject: one decision path, so one contract but for the body and the words. */
export function decisionApi(
  action: 'approve' | 'reject',
  words: Pick<RouteApi, 'summary' | 'description'>,
): RouteApi {
  return {
    tag: 'decisions',
    params: connectionParamsSchema,
    body:
      action === 'approve'
        ? { schema: approveBodySchema, required: false }
        : { schema: rejectBodySchema, required: true },
    success: { status: 200, description: 'The decision.', schema: decisionResultSchema },
    errors: [...CONNECTION_ERRORS, 409, 413, 415],
    ...words,
  };
}

/**
 * A person approves or rejects (approver role): authorise first (401/403 before anything about the
 * input is revealed), parse path, body (an empty approve body with the JSON type reads as `{}`) and
 * If-Match, decide through the one decision path, log the outcome.
 */
export async function decideRoute(
  action: 'approve' | 'reject',
  request: HttpRequest,
  context: InvocationContext,
  correlationId: string,
): Promise<HttpResponseInit> {
  const container = getContainer();
  const principal = authorizeRequest(request, container.config, 'approve');
  const params = connectionParams(request);
  const body = await readJsonBody(request, action === 'approve' ? approveBodySchema : rejectBodySchema);
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
      until: 'until' in body ? body.until : undefined,
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
