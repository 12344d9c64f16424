import { issueCodeBodySchema, issuedCodeSchema } from '../shared/api/core/onboarding-code-schemas';
import { issueCodeForApi } from '../shared/api/use-cases/onboarding-codes';
import { authorizeRequest } from '../shared/auth/principal';
import { getContainer } from '../shared/composition-root';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { json, readJsonBody } from '../shared/http/http-adapter';
import { appRoute } from './adapters/app-route';

/** An approver issues a signed onboarding code for a customer. */
export const issueOnboardingCode: HttpFunctionDefinition = {
  name: 'issueOnboardingCode',
  kind: 'http',
  options: { route: 'onboarding/codes', methods: ['POST'], authLevel: 'function' },
  access: 'approve',
  api: {
    tag: 'onboarding',
    summary: 'Issue a signed onboarding code for a customer',
    description:
      "The answer holds the code once (the app keeps only its id, a fingerprint and what it was issued for). The consumer pastes it into the private endpoint's request message; a rule with `match: { onboardingCode: valid }` then approves the connection and binds it to the customer. 500 (`config_invalid`) while `ONBOARDING_CODE_KEY` is unset or invalid; 404 when `pls` is not a managed Private Link Service.",
    body: { schema: issueCodeBodySchema, required: true },
    success: { status: 201, description: 'The code and its record.', schema: issuedCodeSchema },
    errors: [400, 404, 413, 415, 500, 503],
  },
  handler: appRoute(async (request, context, correlationId) => {
    const container = getContainer();
    const principal = authorizeRequest(request, container.config, 'approve');
    const body = await readJsonBody(request, issueCodeBodySchema);
    const issued = await issueCodeForApi(
      await container.onboardingCodes(),
      () => container.approvalServices(),
      body,
      principal,
      context,
    );
    // The code itself is never logged: its id says which one.
    context.log(
      JSON.stringify({
        event: 'api.onboarding_code_issued',
        codeId: issued.id,
        customer: issued.customer,
        actor: principal.objectId,
        correlationId,
      }),
    );
    return json(201, issued);
  }),
};
