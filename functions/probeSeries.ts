import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { loadImplementation } from '../shared/host/load-implementation';
import { httpRoute } from '../shared/http/http-adapter';

/** Latency and verdicts of one probe target over a range, bucketed (raw rows for hours, rollups beyond). */
export const probeSeries: HttpFunctionDefinition = {
  name: 'probeSeries',
  kind: 'http',
  // Function key AND a principal with the reader role (checked in the route).
  options: { route: 'probes/{target}/series', methods: ['GET'], authLevel: 'function' },
  handler: httpRoute(async (request, context, correlationId) =>
    (
      await loadImplementation(
        context,
        'shared/dashboard/routes/data-routes',
        () => import('../shared/dashboard/routes/data-routes'),
      )
    ).probeSeriesRoute(request, context, correlationId),
  ),
};
