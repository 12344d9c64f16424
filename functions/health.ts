import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { healthWithoutImplementation, loadImplementation } from '../shared/host/load-implementation';
import { httpRoute, json } from '../shared/http/http-adapter';

export const health: HttpFunctionDefinition = {
  name: 'health',
  kind: 'http',
  // Anonymous so the platform's health check and load balancers can call it; it reveals no secrets.
  options: { route: 'health', methods: ['GET'], authLevel: 'anonymous' },
  // The implementation loads on first call, so registering this function at cold start costs nothing.
  handler: httpRoute(async (request, context) => {
    let route: typeof import('../shared/health/routes/health-route');
    try {
      route = await loadImplementation(
        context,
        'shared/health/routes/health-route',
        () => import('../shared/health/routes/health-route'),
      );
    } catch {
      // Health must answer even when its own chunk is the missing one: from the entry alone, naming it.
      return json(503, healthWithoutImplementation());
    }
    return route.healthRoute(request);
  }),
};
