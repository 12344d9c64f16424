import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { appRoute } from './adapters/app-route';
import { decideRoute, decisionApi } from './adapters/connection-route';

/** A person approves a connection (approver role). */
export const approveConnection: HttpFunctionDefinition = {
  name: 'approveConnection',
  kind: 'http',
  // Function key AND an App Service Authentication principal with the needed app role (checked in the handler).
  options: { route: 'connections/{pls}/{connection}/approve', methods: ['POST'], authLevel: 'function' },
  access: 'approve',
  api: decisionApi('approve', {
    summary: 'Approve a connection (as the calling person)',
    description:
      'Runs the same write-ahead decision path as the policy, with the caller as the actor: claim, intent row, re-read, PUT only if the state is unchanged, outcome row. The reason (optional) becomes the description. 409 when the state forbids it (Rejected → Approved is impossible in ARM), when another decision holds the connection, or when the state changed meanwhile.',
  }),
  handler: appRoute((request, context, correlationId) =>
    decideRoute('approve', request, context, correlationId),
  ),
};
