import { decisionListSchema, listDecisionsQuerySchema } from '../shared/api/core/api-schemas';
import { readDecisions } from '../shared/api/use-cases/list-decisions';
import { authorizeRequest } from '../shared/auth/principal';
import { getContainer } from '../shared/composition-root';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { conditionalJson } from '../shared/http/conditional-json';
import { parseInput, queryObject } from '../shared/http/http-adapter';
import { appRoute } from './adapters/app-route';

/** The audit trail (reader role). */
export const listDecisions: HttpFunctionDefinition = {
  name: 'listDecisions',
  kind: 'http',
  options: { route: 'decisions', methods: ['GET'], authLevel: 'function' },
  access: 'read',
  api: {
    tag: 'decisions',
    summary: 'The audit trail, newest first',
    description:
      'Intent, outcome and verdict rows, filtered by connection (`pls` + `connection`), actor and time range (`from`/`to`, at most 366 days; default the last 30). Paged with `continuationToken`; a page may hold fewer items than `limit` (even none) while `continuationToken` is not null, when filters skip many rows. Answers carry a weak `ETag`; a request whose `If-None-Match` names it gets 304 with no body when nothing changed (what the dashboard polls with).',
    query: listDecisionsQuerySchema,
    success: { status: 200, description: 'One page of audit rows.', schema: decisionListSchema },
    errors: [400, 404, 503],
  },
  handler: appRoute(async (request, context) => {
    const container = getContainer();
    authorizeRequest(request, container.config, 'read');
    const query = parseInput(listDecisionsQuerySchema, queryObject(request), 'query');
    // `from`/`to` default to "the last 30 days until now": left out of the tag, so an unchanged trail is a 304.
    return conditionalJson(request, await readDecisions(container, query, context), ['from', 'to']);
  }),
};
