import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { getContainer } from '../../composition-root';
import { json } from '../../http/http-adapter';
import { VERSION } from '../../version';
import { checkHealth } from '../health-check';
import { healthChecks } from '../health-checks';

/** GET /api/health: 200 when every dependency answers, 503 naming the one that does not. */
export async function healthRoute(_request: HttpRequest): Promise<HttpResponseInit> {
  const container = getContainer();
  const report = await checkHealth(container, VERSION, healthChecks(container));
  return json(report.status === 'healthy' ? 200 : 503, report);
}
