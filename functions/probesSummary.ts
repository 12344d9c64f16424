import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { loadImplementation } from '../shared/host/load-implementation';
import { httpRoute } from '../shared/http/http-adapter';

export const probesSummary: HttpFunctionDefinition = {
  name: 'probesSummary',
  kind: 'http',
  // Function key for now; the reader-role check arrives with the auth issue (hook in probe-summary-route.ts).
  options: { route: 'probes/summary', methods: ['GET'], authLevel: 'function' },
  handler: httpRoute(async (request, context, correlationId) =>
    (
      await loadImplementation(
        context,
        'shared/probe/routes/probe-summary-route',
        () => import('../shared/probe/routes/probe-summary-route'),
      )
    ).probesSummaryRoute(request, context, correlationId),
  ),
};
