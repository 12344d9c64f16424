import { armHealthChecks } from '../arm/arm-health-check';
import type { Container } from '../composition-root';
import { type DependencyCheck, tableStorageCheck } from './health-check';

/** The dependencies /api/health checks live. Features add theirs here (ARM once the gateway exists). */
export function healthChecks(container: Container): DependencyCheck[] {
  return [tableStorageCheck(container), ...armHealthChecks(container)];
}
