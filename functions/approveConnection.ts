import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { loadImplementation } from '../shared/host/load-implementation';
import { httpRoute } from '../shared/http/http-adapter';

/** A person approves a connection (approver role). */
export const approveConnection: HttpFunctionDefinition = {
  name: 'approveConnection',
  kind: 'http',
  // Function key AND an App Service Authentication principal with the needed app role (checked in the route).
  options: { route: 'connections/{pls}/{connection}/approve', methods: ['POST'], authLevel: 'function' },
  handler: httpRoute(async (request, context, correlationId) =>
    (
      await loadImplementation(
        context,
        'shared/api/routes/api-routes',
        () => import('../shared/api/routes/api-routes'),
      )
    ).approveConnectionRoute(request, context, correlationId),
  ),
};
