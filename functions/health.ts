import type { HttpRequest } from '@azure/functions';
import { healthReportSchema } from '../shared/api/core/meta-schemas';
import type { FastPathStats } from '../shared/approval/core/fast-path-stats';
import { managesServices } from '../shared/approval/use-cases/managed-services';
import { readFastPathStats } from '../shared/approval/use-cases/read-fast-path-stats';
import { authorizeRequest } from '../shared/auth/principal';
import { type Container, getContainer } from '../shared/composition-root';
import { checkHealth, publicHealth } from '../shared/health/health-check';
import { healthChecks } from '../shared/health/health-checks';
import type { HttpFunctionDefinition } from '../shared/host/function-definition';
import { json } from '../shared/http/http-adapter';
import { VERSION } from '../shared/version';
import { appRoute } from './adapters/app-route';

/**
 * GET /api/health: 503 when unhealthy, 200 when healthy or degraded (restarting an instance does not
 * fix a bad policy, so the platform's health check must not recycle it for one). Anonymous callers
 * (load balancers, the platform) get the status and each dependency's up/down; callers with the
 * reader role also get modes, counts, versions and every problem with its path.
 */
export const health: HttpFunctionDefinition = {
  name: 'health',
  kind: 'http',
  // Anonymous so the platform's health check and load balancers can call it; it reveals no secrets.
  options: { route: 'health', methods: ['GET'], authLevel: 'anonymous' },
  access: 'anonymous',
  api: {
    tag: 'meta',
    summary:
      'Health: anonymous callers get the status and each dependency up/down; readers also get each feature state and its problems',
    success: {
      status: 200,
      description:
        'Healthy, or degraded (a feature is off because its own settings or document are invalid).',
      schema: healthReportSchema,
    },
    alternatives: [
      {
        status: 503,
        description: 'A dependency does not answer (named in the report).',
        schema: healthReportSchema,
      },
    ],
    errors: [],
  },
  // Health must answer even when its own chunk is the one that cannot load: the entry does, naming it.
  whenUnloadable: 'implementation-health',
  handler: appRoute(async (request) => {
    const container = getContainer();
    const report = await checkHealth(container, VERSION, healthChecks(container));
    const status = report.status === 'unhealthy' ? 503 : 200;
    if (!mayReadDetails(request, container)) return json(status, publicHealth(report));
    const eventFastPath = await fastPathOrUndefined(container);
    return json(status, eventFastPath === undefined ? report : { ...report, eventFastPath });
  }),
};

/**
 * How new connections reached the app (event or reconciliation) over the last 30 days, for readers
 * of a provider app: the figure no public source gives. Absent when approval is off or unreadable.
 */
async function fastPathOrUndefined(container: Container): Promise<FastPathStats | undefined> {
  try {
    if (!managesServices(container.config)) return undefined;
    return await readFastPathStats(await container.approvalServices());
  } catch {
    return undefined;
  }
}

/** Never throws: a missing or unacceptable principal, or unreadable API settings, mean the public view. */
function mayReadDetails(request: HttpRequest, container: Container): boolean {
  try {
    authorizeRequest(request, container.config, 'read');
    return true;
  } catch {
    return false;
  }
}
