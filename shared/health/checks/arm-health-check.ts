import type { DependencyCheck } from '../health-check';
import type { HealthPorts } from '../health-ports';

/**
 * ARM answers when a GET of the first managed Private Link Service succeeds: that proves the endpoint,
 * the identity's token and its read permission at once. Only on a provider app (PLS_RESOURCE_IDS set);
 * an unreadable configuration is reported by the health report itself, so no check is added then.
 */
export function armHealthChecks(container: HealthPorts): DependencyCheck[] {
  let firstPls: string | undefined;
  try {
    firstPls = container.config.approval.plsResourceIds[0];
  } catch {
    return [];
  }
  if (firstPls === undefined) return [];
  const plsId = firstPls;
  return [
    {
      name: 'arm',
      async run() {
        await (await container.armGateway()).getPrivateLinkService(plsId);
      },
    },
  ];
}
