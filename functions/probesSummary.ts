import { probesSummarySchema } from '../shared/api/core/api-schemas';
import { authorizeRequest } from '../shared/auth/principal';
import { getContainer } from '../shared/composition-root';
import { targetsProblem as targetsProblemOf } from '../shared/health/feature-report';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { conditionalJson } from '../shared/http/conditional-json';
import { summariseProbesWithObjectives } from '../shared/probe/use-cases/probe-summary';
import { appRoute } from './adapters/app-route';

/** GET /api/probes/summary: readers only, like every other data route (the function key alone is shared by scripts). */
export const probesSummary: HttpFunctionDefinition = {
  name: 'probesSummary',
  kind: 'http',
  options: { route: 'probes/summary', methods: ['GET'], authLevel: 'function' },
  access: 'read',
  api: {
    tag: 'probes',
    summary: 'Probe state, availability and latency per target',
    description:
      'Answers carry a weak `ETag` (of everything but `generatedAt`); a request whose `If-None-Match` names it gets 304 with no body when nothing changed (what the dashboard polls with).',
    success: { status: 200, description: 'The summary.', schema: probesSummarySchema },
    errors: [503],
  },
  handler: appRoute(async (request) => {
    const container = getContainer();
    authorizeRequest(request, container.config, 'read');
    const [summary, targetsProblem] = await Promise.all([
      summariseProbesWithObjectives(container),
      targetsProblemOf(container),
    ]);
    // `generatedAt` changes on every call: left out of the tag, so an unchanged summary is a 304.
    return conditionalJson(request, targetsProblem === undefined ? summary : { ...summary, targetsProblem }, [
      'generatedAt',
    ]);
  }),
};
