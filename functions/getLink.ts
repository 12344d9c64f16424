import { linkParamsSchema, linkSchema } from '../shared/api/core/link-schemas';
import { findLink } from '../shared/api/use-cases/find-link';
import { authorizeRequest } from '../shared/auth/principal';
import { getContainer } from '../shared/composition-root';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { json, parseInput } from '../shared/http/http-adapter';
import { appRoute } from './adapters/app-route';

/** The consumer behind a link id (reader role): what a PROXY v2 backend asks per TCP connection. */
export const getLink: HttpFunctionDefinition = {
  name: 'getLink',
  kind: 'http',
  options: { route: 'links/{linkId}', methods: ['GET'], authLevel: 'function' },
  access: 'read',
  api: {
    tag: 'connections',
    summary: 'The connection, consumer and rule behind a link id',
    description:
      "A link id is ARM's `linkIdentifier` of a private endpoint connection, which a Private Link Service with TCP proxy v2 on sends in each TCP connection's PROXY v2 header. Answered from the connection records (no ARM read).",
    params: linkParamsSchema,
    success: { status: 200, description: 'The connection behind the link id.', schema: linkSchema },
    errors: [400, 404, 409, 503],
  },
  handler: appRoute(async (request, context) => {
    const container = getContainer();
    authorizeRequest(request, container.config, 'read');
    const { linkId } = parseInput(linkParamsSchema, { ...request.params }, 'path');
    return json(200, await findLink(container, linkId, context));
  }),
};
