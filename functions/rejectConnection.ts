import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { appRoute } from './adapters/app-route';
import { decideRoute, decisionApi } from './adapters/connection-route';

/** A person rejects a connection (approver role); a reason is required. */
export const rejectConnection: HttpFunctionDefinition = {
  name: 'rejectConnection',
  kind: 'http',
  // Function key AND an App Service Authentication principal with the needed app role (checked in the handler).
  options: { route: 'connections/{pls}/{connection}/reject', methods: ['POST'], authLevel: 'function' },
  access: 'approve',
  api: decisionApi('reject', {
    summary: 'Reject a connection (as the calling person); a reason is required',
  }),
  handler: appRoute((request, context, correlationId) =>
    decideRoute('reject', request, context, correlationId),
  ),
};
