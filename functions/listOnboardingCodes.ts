import { codeListSchema } from '../shared/api/core/onboarding-code-schemas';
import { listCodesForApi } from '../shared/api/use-cases/onboarding-codes';
import { authorizeRequest } from '../shared/auth/principal';
import { getContainer } from '../shared/composition-root';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { json } from '../shared/http/http-adapter';
import { appRoute } from './adapters/app-route';

/** The issued onboarding codes (approver role): their records, never the codes. */
export const listOnboardingCodes: HttpFunctionDefinition = {
  name: 'listOnboardingCodes',
  kind: 'http',
  options: { route: 'onboarding/codes', methods: ['GET'], authLevel: 'function' },
  access: 'approve',
  api: {
    tag: 'onboarding',
    summary: 'List the issued onboarding codes',
    description:
      "Every code's record, newest first: customer, PLS, expiry, count, state (`active`, `expired`, `revoked`, `exhausted`) and whether its signing key is still set. The codes themselves are not kept, so they are never listed.",
    success: { status: 200, description: 'The code records.', schema: codeListSchema },
    errors: [503],
  },
  handler: appRoute(async (request) => {
    const container = getContainer();
    authorizeRequest(request, container.config, 'approve');
    return json(200, await listCodesForApi(await container.onboardingCodes()));
  }),
};
