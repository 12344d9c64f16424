import { z } from 'zod';
import { authorizeRequest } from '../shared/auth/principal';
import { getContainer } from '../shared/composition-root';
import { seriesParamsSchema } from '../shared/dashboard/core/dashboard-schemas';
import { readStatusBadge } from '../shared/dashboard/use-cases/status-badge';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { parseInput } from '../shared/http/http-adapter';
import { appRoute } from './adapters/app-route';

/**
 * The badge is an image, but an SVG opened on its own is a document: nothing in it may run or load
 * (its text is escaped; this policy would block a script even if some got in).
 */
const BADGE_CSP = "default-src 'none'; frame-ancestors 'none'";

/** GET /api/probes/{target}/badge: the target's state as an SVG badge (reader role, like the other data routes). */
export const probeBadge: HttpFunctionDefinition = {
  name: 'probeBadge',
  kind: 'http',
  options: { route: 'probes/{target}/badge', methods: ['GET'], authLevel: 'function' },
  access: 'read',
  api: {
    tag: 'probes',
    summary: "A probe target's state as an SVG status badge",
    description:
      'For wikis and runbooks: "<target> | up", "| down", "| waiting for approval", "| connection rejected", "| maintenance" ... from the latest probe state (one point read). Readers only, like the other data routes (docs/dashboards.md, "Status badge").',
    params: seriesParamsSchema,
    success: {
      status: 200,
      description: 'The badge.',
      schema: z.string(),
      contentTypes: ['image/svg+xml'],
    },
    errors: [404, 503],
  },
  handler: appRoute(async (request) => {
    const container = getContainer();
    authorizeRequest(request, container.config, 'read');
    const { target } = parseInput(seriesParamsSchema, { ...request.params }, 'path');
    return {
      status: 200,
      headers: {
        'content-type': 'image/svg+xml; charset=utf-8',
        'content-security-policy': BADGE_CSP,
        'cache-control': 'no-store',
      },
      body: await readStatusBadge(container, target),
    };
  }),
};
