import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { loadImplementation } from '../shared/host/load-implementation';
import { httpRoute } from '../shared/http/http-adapter';

/** The probe state-change events (incident timeline) with their evidence, newest first. */
export const probeEvents: HttpFunctionDefinition = {
  name: 'probeEvents',
  kind: 'http',
  // Function key AND a principal with the reader role (checked in the route).
  options: { route: 'probes/events', methods: ['GET'], authLevel: 'function' },
  handler: httpRoute(async (request, context, correlationId) =>
    (
      await loadImplementation(
        context,
        'shared/dashboard/routes/data-routes',
        () => import('../shared/dashboard/routes/data-routes'),
      )
    ).probeEventsRoute(request, context, correlationId),
  ),
};
