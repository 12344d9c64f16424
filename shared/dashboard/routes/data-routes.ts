import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { authorizeRequest } from '../../auth/principal';
import { getContainer } from '../../composition-root';
import { AppError } from '../../errors';
import { json, parseInput, queryObject } from '../../http/http-adapter';
import {
  DEFAULT_EVENT_DAYS,
  DEFAULT_EVENTS,
  eventsQuerySchema,
  MAX_EVENT_RANGE_DAYS,
  seriesParamsSchema,
  seriesQuerySchema,
} from '../core/dashboard-schemas';
import { meOf } from '../use-cases/me';
import { listProbeEvents } from '../use-cases/probe-events';
import { readProbeSeries } from '../use-cases/probe-series';

/**
 * The dashboard's JSON routes. Each authorises the caller as a reader first (401/403 before any
 * input is looked at), parses its input with a schema, and runs one use case.
 */
type Route = (
  request: HttpRequest,
  context: InvocationContext,
  correlationId: string,
) => Promise<HttpResponseInit>;

const DAY_MS = 86_400_000;

/** GET /api/probes/{target}/series?range=24h */
export const probeSeriesRoute: Route = async (request) => {
  const container = getContainer();
  authorizeRequest(request, container.config, 'read');
  const { target } = parseInput(seriesParamsSchema, { ...request.params }, 'path');
  const { range } = parseInput(seriesQuerySchema, queryObject(request), 'query');
  return json(200, await readProbeSeries(container, target, range));
};

/** GET /api/probes/events?target=&from=&to=&limit= */
export const probeEventsRoute: Route = async (request) => {
  const container = getContainer();
  authorizeRequest(request, container.config, 'read');
  const query = parseInput(eventsQuerySchema, queryObject(request), 'query');
  const to = query.to === undefined ? container.clock.now() : new Date(query.to);
  const from =
    query.from === undefined ? new Date(to.getTime() - DEFAULT_EVENT_DAYS * DAY_MS) : new Date(query.from);
  if (from.getTime() > to.getTime())
    throw new AppError('validation_failed', 'Invalid query: from is after to.', {
      issues: [{ path: 'query.from', message: 'expected a time before `to`' }],
    });
  if (to.getTime() - from.getTime() > MAX_EVENT_RANGE_DAYS * DAY_MS)
    throw new AppError(
      'validation_failed',
      `Invalid query: the range exceeds ${MAX_EVENT_RANGE_DAYS} days.`,
      {
        issues: [
          { path: 'query.from', message: `expected at most ${MAX_EVENT_RANGE_DAYS} days before \`to\`` },
        ],
      },
    );
  return json(
    200,
    await listProbeEvents(container, {
      target: query.target,
      from,
      to,
      limit: query.limit ?? DEFAULT_EVENTS,
    }),
  );
};

/** GET /api/me: who is calling and whether the dashboard should offer approve/reject. */
export const meRoute: Route = async (request) => {
  const container = getContainer();
  const principal = authorizeRequest(request, container.config, 'read');
  return json(200, meOf(principal, container.config));
};
