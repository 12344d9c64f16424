import { connectionListSchema, listConnectionsQuerySchema } from '../shared/api/core/api-schemas';
import { listConnectionItems } from '../shared/api/use-cases/list-connections';
import { authorizeRequest } from '../shared/auth/principal';
import { getContainer } from '../shared/composition-root';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { conditionalJson } from '../shared/http/conditional-json';
import { parseInput, queryObject } from '../shared/http/http-adapter';
import { appRoute } from './adapters/app-route';
import { CONNECTION_ERRORS } from './adapters/connection-route';

/** The connections of the managed Private Link Services (reader role). */
export const listConnections: HttpFunctionDefinition = {
  name: 'listConnections',
  kind: 'http',
  options: { route: 'connections', methods: ['GET'], authLevel: 'function' },
  access: 'read',
  api: {
    tag: 'connections',
    summary: 'List the connections of the managed Private Link Services',
    description:
      "Every private endpoint connection of the managed Private Link Services (configured and discovered) with the consumer's subscription and tenant, request message, last decision and the policy's current verdict. Ordered by PLS (as configured) then connection name; paged with `continuationToken`. Answers carry a weak `ETag`; a request whose `If-None-Match` names it gets 304 with no body when nothing changed (what the dashboard polls with).",
    query: listConnectionsQuerySchema,
    success: { status: 200, description: 'One page of connections.', schema: connectionListSchema },
    errors: CONNECTION_ERRORS,
  },
  handler: appRoute(async (request, context) => {
    const container = getContainer();
    authorizeRequest(request, container.config, 'read');
    const query = parseInput(listConnectionsQuerySchema, queryObject(request), 'query');
    return conditionalJson(request, await listConnectionItems(container, query, context));
  }),
};
