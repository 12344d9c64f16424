import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { getContainer } from '../composition-root';
import { json } from '../http/http-adapter';
import { probesSummary } from './probe-summary';

/**
 * GET /api/probes/summary. Authorisation hook: the function key (authLevel 'function') guards it
 * today; the reader-role principal check of the auth issue belongs here, before any read.
 */
export async function probesSummaryRoute(
  _request: HttpRequest,
  _context: InvocationContext,
  _correlationId: string,
): Promise<HttpResponseInit> {
  return json(200, await probesSummary(getContainer()));
}
