import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { loadImplementation } from '../shared/host/load-implementation';
import { httpRoute } from '../shared/http/http-adapter';

/** The calling principal and its permissions: the dashboard shows approve/reject only to approvers. */
export const me: HttpFunctionDefinition = {
  name: 'me',
  kind: 'http',
  // Function key AND a principal with the reader role (checked in the route).
  options: { route: 'me', methods: ['GET'], authLevel: 'function' },
  handler: httpRoute(async (request, context, correlationId) =>
    (
      await loadImplementation(
        context,
        'shared/dashboard/routes/data-routes',
        () => import('../shared/dashboard/routes/data-routes'),
      )
    ).meRoute(request, context, correlationId),
  ),
};
