import { evaluatePolicyBodySchema, evaluateResultSchema } from '../shared/api/core/api-schemas';
import { dryRunPolicy } from '../shared/api/use-cases/dry-run-policy';
import { authorizeRequest } from '../shared/auth/principal';
import { getContainer } from '../shared/composition-root';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { json, readJsonBody } from '../shared/http/http-adapter';
import { appRoute } from './adapters/app-route';

/** Dry run of a policy (reader role): changes nothing. */
export const evaluatePolicy: HttpFunctionDefinition = {
  name: 'evaluatePolicy',
  kind: 'http',
  options: { route: 'policy/evaluate', methods: ['POST'], authLevel: 'function' },
  access: 'read',
  api: {
    tag: 'policy',
    summary: 'Dry run: what a policy would do, and why',
    description:
      'Evaluates the current policy, or one given in the body (YAML/JSON text or an object), against every current connection or one hypothetical connection. Changes nothing. A bad policy is a 400 listing every problem with its path (`policy.rules[2].match.requestMessage`).',
    body: { schema: evaluatePolicyBodySchema, required: false },
    success: { status: 200, description: 'One evaluation per connection.', schema: evaluateResultSchema },
    errors: [400, 404, 413, 415, 429, 500, 502, 503],
  },
  handler: appRoute(async (request, context) => {
    const container = getContainer();
    authorizeRequest(request, container.config, 'read');
    // The body is optional but still declares JSON (the write guard refuses anything else, 415): empty reads as `{}`.
    const body = await readJsonBody(request, evaluatePolicyBodySchema);
    return json(200, await dryRunPolicy(container, body, context));
  }),
};
