/** Builds the approval side's services from what the composition root provides (called once, lazily). */
import type { TableClient } from '@azure/data-tables';
import type { QueueClient } from '@azure/storage-queue';
import type { ArmGateway } from '../arm/arm-gateway';
import type { Clock } from '../clock';
import type { Config } from '../config/config';
import { ReconcileQueue } from './adapters/reconcile-queue';
import { signingKey } from './core/onboarding-code';
import { APPROVAL_TABLES } from './storage/approval-tables';
import { ArrivalStore } from './storage/arrival-store';
import { type AuditOutbox, AuditStore } from './storage/audit-store';
import { ClaimStore } from './storage/claim-store';
import { ConnectionRecordStore } from './storage/connection-record-store';
import { DiscoveryStatusStore } from './storage/discovery-status-store';
import { type DriftOutbox, DriftStore } from './storage/drift';
import { type ExposureOutbox, ExposureStore } from './storage/exposure-store';
import { OnboardingCodeStore } from './storage/onboarding-code-store';
import { ReconcileOutcomeStore } from './storage/reconcile-outcome-store';
import { TenantCache } from './storage/tenant-cache';
import { WriteRefusalStore } from './storage/write-refusal-store';
import type { ApprovalServices } from './use-cases/approval-services';
import type { EntitlementVerifier } from './use-cases/entitlement-check';
import { type DiscoverySetup, ManagedServices, type ServiceFinder } from './use-cases/managed-services';
import type { CodeKeys, OnboardingCodeAdminPorts } from './use-cases/onboarding-codes';

export { APPROVAL_TABLES };

const HOUR_MS = 3_600_000;

/** The part of the composition root the wiring uses (kept narrow so this module does not import it). */
export interface WiringSource {
  readonly config: Config;
  readonly clock: Clock;
  table(logical: string): Promise<TableClient>;
  queue(name: string): Promise<QueueClient>;
  armGateway(): Promise<ArmGateway>;
  outbox(): Promise<(AuditOutbox & DriftOutbox & ExposureOutbox) | null>;
  /** Resource Graph (service discovery); only asked for when PLS_DISCOVERY_SCOPE is set. */
  resourceGraph?(): Promise<ServiceFinder>;
}

export async function buildApprovalServices(source: WiringSource): Promise<ApprovalServices> {
  const config = source.config;
  const table = (name: string) => () => source.table(name);
  const arm = await source.armGateway();
  const outbox = await source.outbox();
  const { discoverTenantId } = await import('../arm/tenant-discovery');
  return {
    arm,
    audit: new AuditStore(table(APPROVAL_TABLES.audit), table(APPROVAL_TABLES.auditByTime), outbox),
    claims: new ClaimStore(table(APPROVAL_TABLES.claims), source.clock),
    records: new ConnectionRecordStore(table(APPROVAL_TABLES.audit), table(APPROVAL_TABLES.connections)),
    drift: new DriftStore(table(APPROVAL_TABLES.drift), outbox),
    tenants: new TenantCache(
      table(APPROVAL_TABLES.tenantCache),
      (subscriptionId) => discoverTenantId(config.arm.endpoint, subscriptionId),
      source.clock,
      config.approval.tenantCacheTtlHours,
    ),
    arrivals: new ArrivalStore(table(APPROVAL_TABLES.arrivals)),
    runOutcomes: new ReconcileOutcomeStore(table(APPROVAL_TABLES.reconcileRuns)),
    writeRefusals: new WriteRefusalStore(table(APPROVAL_TABLES.reconcileRuns)),
    exposure: new ExposureStore(
      table(APPROVAL_TABLES.exposure),
      table(APPROVAL_TABLES.exposurePlans),
      outbox,
    ),
    exposureMode: config.approval.exposureMode,
    workQueue: new ReconcileQueue(
      () => source.queue(config.approval.reconcileQueueName),
      table(APPROVAL_TABLES.reconcileRequests),
      source.clock,
    ),
    entitlement: await entitlementVerifier(source),
    clock: source.clock,
    mode: config.approval.mode,
    ownClientId: config.arm.clientId,
    plsResourceIds: config.approval.plsResourceIds,
    managedServices: new ManagedServices(
      config.approval.plsResourceIds,
      discoverySetup(source),
      source.clock,
      new DiscoveryStatusStore(table(APPROVAL_TABLES.reconcileRuns)),
    ),
    reconcileConcurrency: config.approval.reconcileConcurrency,
    timeBudgetMs: config.approval.reconcileTimeBudgetSeconds * 1000,
    expiry: {
      reminderMs: config.approval.expiryReminderHours * HOUR_MS,
      graceMs: config.approval.expiryGraceHours * HOUR_MS,
      twoPersonMs: config.approval.twoPersonApprovalHours * HOUR_MS,
    },
    codes: new OnboardingCodeStore(table(APPROVAL_TABLES.onboardingCodes)),
    codeKeys: () => codeKeysOf(config),
  };
}

/**
 * Discovery through Resource Graph from PLS_DISCOVERY_SCOPE/TAG. Invalid settings switch off
 * discovery alone (the reason is logged each run and shown by health); the static list keeps working.
 */
export function discoverySetup(source: Pick<WiringSource, 'config' | 'resourceGraph'>): DiscoverySetup {
  let settings: Config['discovery'];
  try {
    settings = source.config.discovery;
  } catch (error) {
    return {
      state: 'invalid',
      message: error instanceof Error ? error.message : 'invalid discovery settings',
    };
  }
  if (settings === null) return { state: 'off' };
  const resourceGraph = source.resourceGraph;
  if (resourceGraph === undefined) return { state: 'invalid', message: 'no Resource Graph client is wired' };
  return { state: 'on', scope: settings.scope, tag: settings.tag, finder: () => resourceGraph.call(source) };
}

/**
 * The onboarding code keys, read when a code is issued or checked: a bad key setting throws the
 * onboarding codes' own `config_invalid` there, and approval goes on without codes.
 */
export function codeKeysOf(config: Pick<Config, 'onboardingCodes'>): CodeKeys | undefined {
  const { currentKey, previousKey } = config.onboardingCodes;
  if (currentKey === undefined) return undefined;
  const current = signingKey(currentKey);
  return { current, all: previousKey === undefined ? [current] : [current, signingKey(previousKey)] };
}

/** The onboarding code routes' ports alone: the API issues, lists and revokes without ARM. */
export function buildOnboardingCodePorts(
  source: Pick<WiringSource, 'config' | 'clock' | 'table'>,
): OnboardingCodeAdminPorts {
  return {
    codes: new OnboardingCodeStore(() => source.table(APPROVAL_TABLES.onboardingCodes)),
    codeKeys: () => codeKeysOf(source.config),
    clock: source.clock,
  };
}

/**
 * The entitlement check's client, when ENTITLEMENT_URL is set. Invalid entitlement settings switch
 * off the check alone: every ask then fails with the reason, so its connections wait for a person.
 */
async function entitlementVerifier(source: WiringSource): Promise<EntitlementVerifier | null> {
  let settings: Config['entitlement'];
  try {
    settings = source.config.entitlement;
  } catch {
    return {
      ask: async () => ({
        outcome: 'failed',
        failure: 'settings_invalid',
        detail: 'the entitlement settings are invalid (GET /api/health names them)',
      }),
    };
  }
  if (settings === null) return null;
  const { createEntitlementClient } = await import('./adapters/entitlement-client');
  return createEntitlementClient({
    url: settings.url,
    secret: settings.secret,
    timeoutMs: settings.timeoutSeconds * 1000,
    clock: source.clock,
  });
}
