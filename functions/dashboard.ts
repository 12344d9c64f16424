import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { loadImplementation } from '../shared/host/load-implementation';
import { httpRoute } from '../shared/http/http-adapter';

/** The operators' dashboard page (static; its data comes from the JSON routes, which check the principal). */
export const dashboard: HttpFunctionDefinition = {
  name: 'dashboard',
  kind: 'http',
  // Anonymous: a browser cannot send a function key for a page load. The page holds no data, and in
  // Azure App Service Authentication still requires a signed-in user before the request arrives.
  options: { route: 'dashboard', methods: ['GET'], authLevel: 'anonymous' },
  handler: httpRoute(async (request, context, correlationId) =>
    (
      await loadImplementation(
        context,
        'shared/dashboard/routes/page-routes',
        () => import('../shared/dashboard/routes/page-routes'),
      )
    ).dashboardPageRoute(request, context, correlationId),
  ),
};
