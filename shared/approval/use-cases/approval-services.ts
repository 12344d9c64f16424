import type { ArmGateway } from '../../arm/arm-gateway';
import type { Clock } from '../../clock';
import type { AuditStore } from '../storage/audit-store';
import type { ClaimStore } from '../storage/claim-store';
import type { DriftStore } from '../storage/drift';
import type { SnapshotStore } from '../storage/snapshot-store';
import type { TenantCache } from '../storage/tenant-cache';

/** Everything the decision path and reconciliation need, built once per instance by the composition root. */
export interface ApprovalServices {
  readonly arm: ArmGateway;
  readonly audit: AuditStore;
  readonly claims: ClaimStore;
  readonly snapshots: SnapshotStore;
  readonly drift: DriftStore;
  readonly tenants: TenantCache;
  readonly clock: Clock;
  readonly mode: 'enforce' | 'dry-run' | 'off';
  /** The client id of our identity (AZURE_CLIENT_ID): events whose `appid` claim is this are our own writes. */
  readonly ownClientId: string | undefined;
}

/** Structured log sink (the invocation context's `log`, or a collector in tests). */
export type Log = (entry: Record<string, unknown>) => void;

export type Trigger = 'event' | 'timer' | 'api';
