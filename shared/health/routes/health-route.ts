import type { HttpRequest, HttpResponseInit } from '@azure/functions';
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
  return json(status, mayReadDetails(request, container) ? report : publicHealth(report));
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
