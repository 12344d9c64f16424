import type { ArmGateway } from '../../arm/arm-gateway';
import type { Clock } from '../../clock';
import type { ReconcileQueue } from '../adapters/reconcile-queue';
import type { ExpiryTimings } from '../core/expiry';
import type { ArrivalStore } from '../storage/arrival-store';
import type { AuditStore } from '../storage/audit-store';
import type { ClaimStore } from '../storage/claim-store';
import type { ConnectionRecordStore } from '../storage/connection-record-store';
import type { DriftStore } from '../storage/drift';
import type { ExposureStore } from '../storage/exposure-store';
import type { OnboardingCodeStore } from '../storage/onboarding-code-store';
import type { ReconcileOutcomeStore } from '../storage/reconcile-outcome-store';
import type { TenantCache } from '../storage/tenant-cache';
import type { WriteRefusalStore } from '../storage/write-refusal-store';
import type { EntitlementVerifier } from './entitlement-check';
import type { ManagedServices } from './managed-services';
import type { CodeKeys } from './onboarding-codes';

export type ApprovalMode = 'enforce' | 'dry-run' | 'off';

/**
 * Everything the approval side uses, built once per instance by the composition root. Use cases do
 * not take this whole bundle by name: each declares the narrow slice it uses (the interfaces
 * below), and a handler passes this object, which satisfies all of them.
 */
export interface ApprovalServices {
  readonly arm: ArmGateway;
  readonly audit: AuditStore;
  readonly claims: ClaimStore;
  /** What the product knows about each connection (the connection records). */
  readonly records: ConnectionRecordStore;
  readonly drift: DriftStore;
  readonly tenants: TenantCache;
  readonly arrivals: ArrivalStore;
  /** The last outcome of each reconciliation trigger, for health. */
  readonly runOutcomes: ReconcileOutcomeStore;
  /** The managed services whose connection writes ARM refused for a missing role (health names them). */
  readonly writeRefusals: WriteRefusalStore;
  /** The last exposure audit of each managed PLS, for health. */
  readonly exposure: ExposureStore;
  /** EXPOSURE_MODE: `dry-run` also records the settings plan the policy implies; `enforce` writes a plan dry-run recorded. */
  readonly exposureMode: 'report' | 'dry-run' | 'enforce';
  readonly workQueue: ReconcileQueue;
  /** The provider's own system, asked by `action: entitlement` rules; null when ENTITLEMENT_URL is unset. */
  readonly entitlement: EntitlementVerifier | null;
  readonly clock: Clock;
  readonly mode: ApprovalMode;
  /** The client id of our identity (AZURE_CLIENT_ID): events whose `appid` claim is this are our own writes. */
  readonly ownClientId: string | undefined;
  /** The managed PLS ids (PLS_RESOURCE_IDS), in configured casing. */
  readonly plsResourceIds: readonly string[];
  /** PLS_RESOURCE_IDS plus the services Resource Graph finds (PLS_DISCOVERY_SCOPE). */
  readonly managedServices: ManagedServices;
  /** How many PLS one run works on at once (RECONCILE_CONCURRENCY). */
  readonly reconcileConcurrency: number;
  /** How long one invocation keeps deciding before it hands the rest to a continuation (RECONCILE_TIME_BUDGET_SECONDS). */
  readonly timeBudgetMs: number;
  /** Ending approvals and the two-person rule's wait (APPROVAL_EXPIRY_*, TWO_PERSON_APPROVAL_HOURS). */
  readonly expiry: ExpiryTimings;
  /** Onboarding code records (table `OnboardingCodes`). */
  readonly codes: OnboardingCodeStore;
  /** The onboarding code keys; undefined when none is set, throws `config_invalid` while they are bad. */
  codeKeys(): CodeKeys | undefined;
}

/** What the decision path (decide-connection.ts) uses. */
export interface DecisionDeps {
  readonly arm: Pick<ArmGateway, 'readConnection' | 'updateConnectionState'>;
  readonly audit: Pick<AuditStore, 'writeMany'>;
  readonly claims: Pick<ClaimStore, 'acquireMany' | 'completeMany' | 'release'>;
  readonly clock: Clock;
  /** Services whose connection writes ARM refused for a missing role (write-access.ts); absent: not kept. */
  readonly writeRefusals?: Pick<WriteRefusalStore, 'refused' | 'cleared'>;
}

/** What reconciling one PLS (reconcile-pls.ts) uses: the decision path, plus listing, drift and arrivals. */
export interface ReconcileDeps extends DecisionDeps {
  readonly arm: Pick<
    ArmGateway,
    'readConnection' | 'updateConnectionState' | 'listPlsConnections' | 'getPrivateLinkService'
  > &
    Partial<Pick<ArmGateway, 'deleteConnection' | 'setPlsExposure'>>;
  readonly records: Pick<ConnectionRecordStore, 'apply' | 'listForPls'>;
  /** Ending approvals (expire-approvals.ts); without it (or without deleteConnection) nothing is ended. */
  readonly expiry?: ExpiryTimings;
  readonly claims: Pick<ClaimStore, 'acquireMany' | 'completeMany' | 'release'> &
    Partial<Pick<ClaimStore, 'acquire' | 'complete'>>;
  readonly drift: Pick<DriftStore, 'write'>;
  readonly tenants: Pick<TenantCache, 'tenantOf'>;
  readonly arrivals: Pick<ArrivalStore, 'record' | 'lastListedAt' | 'markListed'>;
  /** Where each run's exposure audit goes; without it (narrow test wiring) no audit is kept. */
  readonly exposure?: Pick<ExposureStore, 'get' | 'put' | 'recordPlan' | 'hasDryRunPlan'>;
  readonly exposureMode?: 'report' | 'dry-run' | 'enforce';
  /** Optional so that callers without the feature need not name it: absent means not configured. */
  readonly entitlement?: EntitlementVerifier | null | undefined;
  readonly mode: ApprovalMode;
  /** Onboarding codes (optional: without them a rule asking for a code never matches). */
  readonly codes?: Pick<OnboardingCodeStore, 'claim'> | undefined;
  codeKeys?(): CodeKeys | undefined;
}

/** What a run over many PLS (reconcile-all.ts, reconcile-queued-pls.ts) adds: the work queue and the settings. */
export interface RunDeps extends ReconcileDeps {
  readonly arrivals: Pick<ArrivalStore, 'record' | 'lastListedAt' | 'markListed' | 'listSince'>;
  readonly workQueue: Pick<ReconcileQueue, 'enqueue' | 'started'>;
  readonly plsResourceIds: readonly string[];
  /** Adds the discovered services; without it (narrow test wiring) only `plsResourceIds` is managed. */
  readonly managedServices?: Pick<ManagedServices, 'managed' | 'refresh'>;
  readonly reconcileConcurrency: number;
  readonly timeBudgetMs: number;
}

export type Trigger = 'event' | 'timer' | 'api';
