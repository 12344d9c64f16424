import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { loadImplementation } from '../shared/host/load-implementation';
import { httpRoute } from '../shared/http/http-adapter';

/** The event fast path figures of the last 30 days (reader role). */
export const eventFastPath: HttpFunctionDefinition = {
  name: 'eventFastPath',
  kind: 'http',
  // Function key AND an App Service Authentication principal with the needed app role (checked in the route).
  options: { route: 'approval/fast-path', methods: ['GET'], authLevel: 'function' },
  handler: httpRoute(async (request, context, correlationId) =>
    (
      await loadImplementation(
        context,
        'shared/api/routes/api-routes',
        () => import('../shared/api/routes/api-routes'),
      )
    ).eventFastPathRoute(request, context, correlationId),
  ),
};
