import type { Container } from '../composition-root';
import type { ApprovalServices } from './approval-services';
import { AuditStore } from './audit-store';
import { ClaimStore } from './claim-store';
import { DriftStore } from './drift';
import { SnapshotStore } from './snapshot-store';
import { TenantCache } from './tenant-cache';

/** Logical table names of the approval side (the configured prefix is added by the container). */
export const APPROVAL_TABLES = {
  audit: 'Audit',
  auditByTime: 'AuditByTime',
  claims: 'Claims',
  connections: 'Connections',
  drift: 'Drift',
  tenantCache: 'TenantCache',
} as const;

/** Builds the decision path's dependencies from the container (called once, lazily, by Container.approvalServices). */
export async function buildApprovalServices(container: Container): Promise<ApprovalServices> {
  const config = container.config;
  const table = (name: string) => () => container.table(name);
  const arm = await container.armGateway();
  const { discoverTenantId } = await import('../arm/tenant-discovery');
  const notifier = await container.notifier();
  return {
    arm,
    audit: new AuditStore(table(APPROVAL_TABLES.audit), table(APPROVAL_TABLES.auditByTime), notifier),
    claims: new ClaimStore(table(APPROVAL_TABLES.claims), container.clock),
    snapshots: new SnapshotStore(table(APPROVAL_TABLES.connections)),
    drift: new DriftStore(table(APPROVAL_TABLES.drift), notifier),
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
