/*
 * What health's use cases take (checkHealth, featureReports, the dependency checks), declared beside
 * them: configuration, the clock, the app root, tables, the ARM gateway, the approval policy and
 * services, and what the notification wiring reads to load the webhook list. The composition root
 * satisfies it; functions/health.ts and probesSummary.ts pass it.
 */
import type { TableClient } from '@azure/data-tables';
import type { Policy } from '../approval/core/policy/policy';
import type { ApprovalServices } from '../approval/use-cases/approval-services';
import type { ArmGateway } from '../arm/arm-gateway';
import type { NotifyWiringSource } from '../notify/wiring';

export interface HealthPorts extends NotifyWiringSource {
  table(logical: string): Promise<TableClient>;
  armGateway(): Promise<ArmGateway>;
  approvalPolicy(): Promise<Policy>;
  approvalServices(): Promise<ApprovalServices>;
}
