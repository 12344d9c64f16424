import type { ArmGateway } from '../arm/arm-gateway';
import type { Clock } from '../clock';
import type { Config } from '../config/config';
import type { TableSource } from '../storage/table-source';
import { AuditStore } from './storage/audit-store';
import { ClaimStore } from './storage/claim-store';
import { DriftStore } from './storage/drift';
import { SnapshotStore } from './storage/snapshot-store';
import { TenantCache } from './storage/tenant-cache';
import type { ApprovalServices } from './use-cases/approval-services';

/** Logical table names of the approval side (the configured prefix is added by the container). */
export const APPROVAL_TABLES = {
  audit: 'Audit',
  auditByTime: 'AuditByTime',
  claims: 'Claims',
  connections: 'Connections',
  drift: 'Drift',
  tenantCache: 'TenantCache',
} as const;

/** What the wiring takes from the composition root. */
export interface ApprovalWiringSource extends TableSource {
  readonly config: Config;
  readonly clock: Clock;
  armGateway(): Promise<ArmGateway>;
}

/** Builds the decision path's dependencies (called once, lazily, by Container.approvalServices). */
export async function buildApprovalServices(container: ApprovalWiringSource): Promise<ApprovalServices> {
  const config = container.config;
  const table = (name: string) => () => container.table(name);
  const arm = await container.armGateway();
  const { discoverTenantId } = await import('../arm/tenant-discovery');
  return {
    arm,
    audit: new AuditStore(table(APPROVAL_TABLES.audit), table(APPROVAL_TABLES.auditByTime)),
    claims: new ClaimStore(table(APPROVAL_TABLES.claims), container.clock),
    snapshots: new SnapshotStore(table(APPROVAL_TABLES.connections)),
    drift: new DriftStore(table(APPROVAL_TABLES.drift)),
    tenants: new TenantCache(
      table(APPROVAL_TABLES.tenantCache),
      (subscriptionId) => discoverTenantId(config.arm.endpoint, subscriptionId),
      container.clock,
      config.approval.tenantCacheTtlHours,
    ),
    clock: container.clock,
    mode: config.approval.mode,
    ownClientId: config.arm.clientId,
  };
}
