import { managedIdsOf, managesServices } from '../../approval/use-cases/managed-services';
import { silentLog } from '../../log';
import type { DependencyCheck } from '../health-check';
import type { HealthPorts } from '../health-ports';

/**
 * ARM answers when a GET of the first managed Private Link Service succeeds: that proves the endpoint,
 * the identity's token and its read permission at once. The first managed one is a configured one
 * when PLS_RESOURCE_IDS lists any, else the first discovered (the instance's managed list; a
 * discovery it triggers records its own outcome, shown in the approval feature, so no log here).
 * Only on a provider app; an unreadable configuration is reported by the health report itself, so
 * no check is added then.
 */
export function armHealthChecks(container: HealthPorts): DependencyCheck[] {
  let provider: boolean;
  try {
    provider = managesServices(container.config);
  } catch {
    return [];
  }
  if (!provider) return [];
  return [
    {
      name: 'arm',
      async run() {
        const [plsId] = await managedIdsOf(await container.approvalServices(), silentLog);
        // Discovery found none yet: nothing to read (its outcome is the approval feature's detail).
        if (plsId === undefined) return;
        await (await container.armGateway()).getPrivateLinkService(plsId);
      },
    },
  ];
}
