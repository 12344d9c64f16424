import { armHealthChecks } from './checks/arm-health-check';
import { policyHealthChecks } from './checks/policy-health-check';
import { type DependencyCheck, tableStorageCheck } from './health-check';
import type { HealthPorts } from './health-ports';

/** The dependencies /api/health checks live. Features add theirs here (ARM once the gateway exists). */
export function healthChecks(container: HealthPorts): DependencyCheck[] {
  return [tableStorageCheck(container), ...armHealthChecks(container), ...policyHealthChecks(container)];
}
