import { authorizeRequest } from '../shared/auth/principal';
import { getContainer } from '../shared/composition-root';
import {
  probeSeriesSchema,
  seriesParamsSchema,
  seriesQuerySchema,
} from '../shared/dashboard/core/dashboard-schemas';
import { readProbeSeries } from '../shared/dashboard/use-cases/probe-series';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { json, parseInput, queryObject } from '../shared/http/http-adapter';
import { appRoute } from './adapters/app-route';

/** GET /api/probes/{target}/series?range=24h (reader role). */
export const probeSeries: HttpFunctionDefinition = {
  name: 'probeSeries',
  kind: 'http',
  options: { route: 'probes/{target}/series', methods: ['GET'], authLevel: 'function' },
  access: 'read',
  api: {
    tag: 'probes',
    summary: 'Latency and verdicts of one probe target over a range, bucketed',
    params: seriesParamsSchema,
    query: seriesQuerySchema,
    success: {
      status: 200,
      description: 'Every bucket of the range, oldest first.',
      schema: probeSeriesSchema,
    },
    errors: [404, 503],
  },
  handler: appRoute(async (request) => {
    const container = getContainer();
    authorizeRequest(request, container.config, 'read');
    const { target } = parseInput(seriesParamsSchema, { ...request.params }, 'path');
    const { range } = parseInput(seriesQuerySchema, queryObject(request), 'query');
    return json(200, await readProbeSeries(container, target, range));
  }),
};
