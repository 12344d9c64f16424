import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { FastPathStats } from '../../approval/core/fast-path-stats';
import { readFastPathStats } from '../../approval/use-cases/read-fast-path-stats';
import { authorizeRequest } from '../../auth/principal';
import { type Container, getContainer } from '../../composition-root';
import { json } from '../../http/http-adapter';
import { VERSION } from '../../version';
import { checkHealth, publicHealth } from '../health-check';
import { healthChecks } from '../health-checks';

/**
 * GET /api/health: 503 when unhealthy, 200 when healthy or degraded (restarting an instance does not
 * fix a bad policy, so the platform's health check must not recycle it for one). Anonymous callers
 * (load balancers, the platform) get the status and each dependency's up/down; callers with the
 * reader role also get modes, counts, versions and every problem with its path.
 */
export async function healthRoute(request: HttpRequest): Promise<HttpResponseInit> {
  const container = getContainer();
  const report = await checkHealth(container, VERSION, healthChecks(container));
  const status = report.status === 'unhealthy' ? 503 : 200;
  if (!mayReadDetails(request, container)) return json(status, publicHealth(report));
  const eventFastPath = await fastPathOrUndefined(container);
  return json(status, eventFastPath === undefined ? report : { ...report, eventFastPath });
}

/**
 * How new connections reached the app (event or reconciliation) over the last 30 days, for readers
 * of a provider app: the figure no public source gives. Absent when approval is off or unreadable.
 */
async function fastPathOrUndefined(container: Container): Promise<FastPathStats | undefined> {
  try {
    if (container.config.approval.plsResourceIds.length === 0) return undefined;
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
