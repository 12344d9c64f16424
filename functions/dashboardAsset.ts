import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { loadImplementation } from '../shared/host/load-implementation';
import { httpRoute } from '../shared/http/http-adapter';

/** The dashboard's script and stylesheet (content-hashed names, cached immutably). */
export const dashboardAsset: HttpFunctionDefinition = {
  name: 'dashboardAsset',
  kind: 'http',
  // Anonymous for the same reason as the page: <script src> and <link href> cannot carry a function key.
  options: { route: 'dashboard/assets/{name}', methods: ['GET'], authLevel: 'anonymous' },
  handler: httpRoute(async (request, context, correlationId) =>
    (
      await loadImplementation(
        context,
        'shared/dashboard/routes/page-routes',
        () => import('../shared/dashboard/routes/page-routes'),
      )
    ).dashboardAssetRoute(request, context, correlationId),
  ),
};
