import { openApiDocumentSchema } from '../shared/api/core/meta-schemas';
import { buildOpenApiDocument, type JsonObject } from '../shared/api/use-cases/openapi-document';
import { authorizeRequest } from '../shared/auth/principal';
import { getContainer } from '../shared/composition-root';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { json } from '../shared/http/http-adapter';
import { type RouteSpec, routeSpecOf } from '../shared/http/route-spec';
import { appRoute } from './adapters/app-route';
import { HTTP_FUNCTIONS } from './http-registry';

/** This API's OpenAPI 3.1 document, generated from the HTTP function definitions (reader role). */
export const openApiDocument: HttpFunctionDefinition = {
  name: 'openApiDocument',
  kind: 'http',
  options: { route: 'openapi.json', methods: ['GET'], authLevel: 'function' },
  access: 'read',
  api: {
    tag: 'meta',
    summary: 'This OpenAPI 3.1 document',
    success: { status: 200, description: 'The OpenAPI document.', schema: openApiDocumentSchema },
    errors: [],
  },
  handler: appRoute(async (request) => {
    authorizeRequest(request, getContainer().config, 'read');
    return json(200, servedOpenApiDocument());
  }),
};

/** One spec per HTTP function, derived from its definition (the only place a route is described). */
export const ROUTE_SPECS: readonly RouteSpec[] = [...HTTP_FUNCTIONS, openApiDocument].map(routeSpecOf);

let memo: JsonObject | undefined;

/** The document as served, built once per process. */
export function servedOpenApiDocument(): JsonObject {
  memo ??= buildOpenApiDocument(ROUTE_SPECS);
  return memo;
}
