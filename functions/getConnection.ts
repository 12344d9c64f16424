import { connectionDetailSchema, connectionParamsSchema } from '../shared/api/core/api-schemas';
import { getConnectionDetail } from '../shared/api/use-cases/get-connection';
import { authorizeRequest } from '../shared/auth/principal';
import { getContainer } from '../shared/composition-root';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { json } from '../shared/http/http-adapter';
import { appRoute } from './adapters/app-route';
import { CONNECTION_ERRORS, connectionParams } from './adapters/connection-route';

/** One connection with its decision history (reader role). */
export const getConnection: HttpFunctionDefinition = {
  name: 'getConnection',
  kind: 'http',
  options: { route: 'connections/{pls}/{connection}', methods: ['GET'], authLevel: 'function' },
  access: 'read',
  api: {
    tag: 'connections',
    summary: 'One connection with its full decision history',
    params: connectionParamsSchema,
    success: {
      status: 200,
      description: 'The connection and every audit row about it, newest first.',
      schema: connectionDetailSchema,
    },
    errors: CONNECTION_ERRORS,
  },
  handler: appRoute(async (request, context) => {
    const container = getContainer();
    authorizeRequest(request, container.config, 'read');
    return json(200, await getConnectionDetail(container, connectionParams(request), context));
  }),
};
