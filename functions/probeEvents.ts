import { authorizeRequest } from '../shared/auth/principal';
import { getContainer } from '../shared/composition-root';
import {
  DEFAULT_EVENT_DAYS,
  DEFAULT_EVENTS,
  eventsQuerySchema,
  MAX_EVENT_RANGE_DAYS,
  probeEventListSchema,
} from '../shared/dashboard/core/dashboard-schemas';
import { listProbeEvents } from '../shared/dashboard/use-cases/probe-events';
import { AppError } from '../shared/errors';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { json, parseInput, queryObject } from '../shared/http/http-adapter';
import { appRoute } from './adapters/app-route';

const DAY_MS = 86_400_000;

/** GET /api/probes/events?target=&from=&to=&limit= (reader role). */
export const probeEvents: HttpFunctionDefinition = {
  name: 'probeEvents',
  kind: 'http',
  options: { route: 'probes/events', methods: ['GET'], authLevel: 'function' },
  access: 'read',
  api: {
    tag: 'probes',
    summary: 'Probe state changes (incident timeline) with their evidence, newest first',
    query: eventsQuerySchema,
    success: { status: 200, description: 'The events in the range.', schema: probeEventListSchema },
    errors: [503],
  },
  handler: appRoute(async (request) => {
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
  }),
};
