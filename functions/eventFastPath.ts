import { eventFastPathSchema } from '../shared/api/core/meta-schemas';
import { readFastPathStats } from '../shared/approval/use-cases/read-fast-path-stats';
import { authorizeRequest } from '../shared/auth/principal';
import { getContainer } from '../shared/composition-root';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { json } from '../shared/http/http-adapter';
import { appRoute } from './adapters/app-route';

/** How new connections arrived: by event or by reconciliation (reader role). */
export const eventFastPath: HttpFunctionDefinition = {
  name: 'eventFastPath',
  kind: 'http',
  options: { route: 'approval/fast-path', methods: ['GET'], authLevel: 'function' },
  access: 'read',
  api: {
    tag: 'decisions',
    summary: 'How new connections arrived in the last 30 days: by event or by reconciliation',
    description:
      'Whether Event Grid delivers an event for a consumer’s new connection is not published; this answers it for your tenant. See docs/architecture.md ("Event fast path statistics").',
    success: { status: 200, description: 'The figures.', schema: eventFastPathSchema },
    errors: [503],
  },
  handler: appRoute(async (request) => {
    const container = getContainer();
    authorizeRequest(request, container.config, 'read');
    return json(200, await readFastPathStats(await container.approvalServices()));
  }),
};
