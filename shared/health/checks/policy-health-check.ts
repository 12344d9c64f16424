import { managesServices } from '../../approval/use-cases/managed-services';
import type { DependencyCheck } from '../health-check';
import type { HealthPorts } from '../health-ports';

/**
 * The approval policy loads and validates. Only on a provider app (PLS_RESOURCE_IDS or
 * PLS_DISCOVERY_SCOPE set): a policy
 * that does not load means nothing is decided, which health should say loudly, with the first
 * problem's path (the AppError's message lists them).
 */
export function policyHealthChecks(container: HealthPorts): DependencyCheck[] {
  let provider: boolean;
  try {
    provider = managesServices(container.config);
  } catch {
    return [];
  }
  if (!provider) return [];
  return [
    {
      name: 'approvalPolicy',
      async run() {
        await container.approvalPolicy();
      },
    },
  ];
}
