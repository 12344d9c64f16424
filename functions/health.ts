import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { httpRoute } from '../shared/http/http-adapter';

export const health: HttpFunctionDefinition = {
  name: 'health',
  kind: 'http',
  // Anonymous so the platform's health check and load balancers can call it; it reveals no secrets.
  options: { route: 'health', methods: ['GET'], authLevel: 'anonymous' },
  // The implementation loads on first call, so registering this function at cold start costs nothing.
  handler: httpRoute(async (request) =>
    (await import('../shared/health/routes/health-route')).healthRoute(request),
  ),
};
