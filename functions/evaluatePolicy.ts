import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { loadImplementation } from '../shared/host/load-implementation';
import { httpRoute } from '../shared/http/http-adapter';

/** Dry run of the current or a draft policy; changes nothing. */
export const evaluatePolicy: HttpFunctionDefinition = {
  name: 'evaluatePolicy',
  kind: 'http',
  // Function key AND an App Service Authentication principal with the needed app role (checked in the route).
  options: { route: 'policy/evaluate', methods: ['POST'], authLevel: 'function' },
  handler: httpRoute(async (request, context, correlationId) =>
    (
      await loadImplementation(
        context,
        'shared/api/routes/api-routes',
        () => import('../shared/api/routes/api-routes'),
      )
    ).evaluatePolicyRoute(request, context, correlationId),
  ),
};
