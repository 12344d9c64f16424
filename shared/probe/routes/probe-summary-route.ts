import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { authorizeRequest } from '../../auth/principal';
import { getContainer } from '../../composition-root';
import { targetsProblem as targetsProblemOf } from '../../health/feature-report';
import { json } from '../../http/http-adapter';
import { summariseProbes } from '../use-cases/probe-summary';

/** GET /api/probes/summary: readers only, like every other data route (the function key alone is shared by scripts). */
export async function probesSummaryRoute(
  request: HttpRequest,
  _context: InvocationContext,
  _correlationId: string,
): Promise<HttpResponseInit> {
  const container = getContainer();
  authorizeRequest(request, container.config, 'read');
  const [summary, targetsProblem] = await Promise.all([
    summariseProbes(container),
    targetsProblemOf(container),
  ]);
  return json(200, targetsProblem === undefined ? summary : { ...summary, targetsProblem });
}
