import { z } from 'zod';
import { authorizeMetricsScrape } from '../shared/auth/scrape-token';
import { getContainer } from '../shared/composition-root';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { CONTENT_TYPES, negotiateFormat, renderExposition } from '../shared/probe/core/exposition';
import { readProbeMetrics } from '../shared/probe/use-cases/probe-metrics';
import { appRoute } from './adapters/app-route';

/** GET /api/metrics: the probe's figures for a Prometheus server (reader role, or the scrape token when one is set). */
export const metrics: HttpFunctionDefinition = {
  name: 'metrics',
  kind: 'http',
  options: { route: 'metrics', methods: ['GET'], authLevel: 'function' },
  access: 'read',
  api: {
    tag: 'probes',
    summary: 'Probe metrics in the Prometheus text format',
    description:
      'Target state, availability (24 h / 7 d / 30 d), phase-duration histograms and run counters since 00:00 UTC, the error budget and burn rates of targets with an objective, and the newest probe run, from the stored rollups (a scrape never probes). Prometheus text format 0.0.4, or OpenMetrics 1.0 when `Accept` names `application/openmetrics-text`. With `METRICS_SCRAPE_TOKEN` set, only `Authorization: Bearer <token>` is accepted (docs/probe.md, "Prometheus metrics").',
    success: {
      status: 200,
      description: 'The metrics.',
      schema: z.string(),
      contentTypes: [CONTENT_TYPES.prometheus, CONTENT_TYPES.openmetrics],
    },
    errors: [503],
  },
  handler: appRoute(async (request) => {
    const container = getContainer();
    authorizeMetricsScrape(request, container.config);
    const format = negotiateFormat(request.headers.get('accept'));
    return {
      status: 200,
      headers: { 'content-type': CONTENT_TYPES[format], 'cache-control': 'no-store' },
      body: renderExposition(await readProbeMetrics(container), format),
    };
  }),
};
