import { getContainer } from '../shared/composition-root';
import { checkHealth } from '../shared/health/health-check';
import { healthChecks } from '../shared/health/health-checks';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { httpRoute, json } from '../shared/http/http-adapter';
import { VERSION } from '../shared/version';

export const health: HttpFunctionDefinition = {
  name: 'health',
  kind: 'http',
  // Anonymous so load balancers and the platform's health check can call it; it reveals no secrets.
  options: { route: 'health', methods: ['GET'], authLevel: 'anonymous' },
  handler: httpRoute(async () => {
    const container = getContainer();
    const report = await checkHealth(container, VERSION, healthChecks(container));
    return json(report.status === 'healthy' ? 200 : 503, report);
  }),
};
