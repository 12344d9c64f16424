import { codeIdParamsSchema, codeItemSchema } from '../shared/api/core/onboarding-code-schemas';
import { revokeCodeForApi } from '../shared/api/use-cases/onboarding-codes';
import { authorizeRequest } from '../shared/auth/principal';
import { getContainer } from '../shared/composition-root';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { json, parseInput } from '../shared/http/http-adapter';
import { appRoute } from './adapters/app-route';

/**
 * An approver revokes a code: it approves nothing more, and connections it approved lose it when
 * enforceOnApproved re-checks them. POST (not DELETE) so the write guard's JSON body rule applies.
 */
export const revokeOnboardingCode: HttpFunctionDefinition = {
  name: 'revokeOnboardingCode',
  kind: 'http',
  options: { route: 'onboarding/codes/{id}/revoke', methods: ['POST'], authLevel: 'function' },
  access: 'approve',
  api: {
    tag: 'onboarding',
    summary: 'Revoke an onboarding code',
    description:
      'Idempotent: revoking a revoked code answers its record with the first revocation. Connections still Pending with it are left for a person (`code_revoked`).',
    params: codeIdParamsSchema,
    success: { status: 200, description: "The revoked code's record.", schema: codeItemSchema },
    errors: [400, 404, 503],
  },
  handler: appRoute(async (request, context, correlationId) => {
    const container = getContainer();
    const principal = authorizeRequest(request, container.config, 'approve');
    const { id } = parseInput(codeIdParamsSchema, { ...request.params }, 'path');
    const item = await revokeCodeForApi(await container.onboardingCodes(), id, principal);
    context.log(
      JSON.stringify({
        event: 'api.onboarding_code_revoked',
        codeId: item.id,
        actor: principal.objectId,
        correlationId,
      }),
    );
    return json(200, item);
  }),
};
