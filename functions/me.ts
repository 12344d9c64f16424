import { authorizeRequest } from '../shared/auth/principal';
import { getContainer } from '../shared/composition-root';
import { meSchema } from '../shared/dashboard/core/dashboard-schemas';
import { meOf } from '../shared/dashboard/use-cases/me';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { json } from '../shared/http/http-adapter';
import { appRoute } from './adapters/app-route';

/** GET /api/me: who is calling and whether the dashboard should offer approve/reject. */
export const me: HttpFunctionDefinition = {
  name: 'me',
  kind: 'http',
  options: { route: 'me', methods: ['GET'], authLevel: 'function' },
  access: 'read',
  api: {
    tag: 'meta',
    summary: 'The calling principal and what it may do',
    success: { status: 200, description: 'The principal.', schema: meSchema },
    errors: [],
  },
  handler: appRoute(async (request) => {
    const { config } = getContainer();
    const principal = authorizeRequest(request, config, 'read');
    return json(200, meOf(principal, config));
  }),
};
