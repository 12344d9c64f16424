import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { loadImplementation } from '../shared/host/load-implementation';
import { httpRoute } from '../shared/http/http-adapter';

/** Every connection of the managed Private Link Services, paged. */
export const listConnections: HttpFunctionDefinition = {
  name: 'listConnections',
  kind: 'http',
  // Function key AND an App Service Authentication principal with the needed app role (checked in the route).
  options: { route: 'connections', methods: ['GET'], authLevel: 'function' },
  handler: httpRoute(async (request, context, correlationId) =>
    (
      await loadImplementation(
        context,
        'shared/api/routes/api-routes',
        () => import('../shared/api/routes/api-routes'),
      )
    ).listConnectionsRoute(request, context, correlationId),
  ),
};
