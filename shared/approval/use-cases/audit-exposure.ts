import type { PrivateLinkServiceInfo } from '../../arm/arm-gateway';
import { toAppError } from '../../errors';
import { type Log, logEvent } from '../../log';
import {
  announcementKey,
  auditExposure,
  type ExposureAudit,
  exposureChanges,
  planExposure,
} from '../core/exposure-audit';
import type { Policy } from '../core/policy/policy';
import type { ReconcileDeps } from './approval-services';
import { enforceExposure } from './enforce-exposure';

/*
 * The exposure audit in a reconciliation run: the PLS is read once per run (the same read gives the
 * autoApproval list to the plan), its settings are compared with the policy, the result replaces the
 * PLS's stored audit (health and the dashboard banner read it), and each contradiction not
 * announced before is logged once as a warning with its fix and notified once
 * (`exposure.contradiction`; `exposure.resolved` when an announced one is fixed). Observation only: a failure here is
 * logged and decides nothing.
 */

/** The PLS as ARM shows it now; undefined (logged) when it cannot be read. */
export async function readPlsSettings(
  services: Pick<ReconcileDeps, 'arm'>,
  plsId: string,
  log: Log,
): Promise<PrivateLinkServiceInfo | undefined> {
  try {
    return await services.arm.getPrivateLinkService(plsId);
  } catch (error) {
    logEvent(log, {
      level: 'warn',
      event: 'approval.pls_unreadable',
      pls: plsId,
      code: toAppError(error).code,
    });
    return undefined;
  }
}

export async function recordExposure(
  services: Pick<ReconcileDeps, 'tenants' | 'exposure' | 'exposureMode' | 'clock' | 'arm' | 'claims'>,
  policy: Policy,
  pls: PrivateLinkServiceInfo,
  context: {
    readonly log: Log;
    readonly correlationId: string;
    /** Consumers with an Approved connection now: a plan keeps them in visibility. */
    readonly approvedSubscriptions: readonly string[];
  },
): Promise<ExposureAudit | undefined> {
  const log = context.log;
  const store = services.exposure;
  if (store === undefined) return undefined;
  try {
    const tenants = new Map<string, string | undefined>();
    await Promise.all(
      pls.autoApprovalSubscriptions.map(async (s) =>
        tenants.set(s.toLowerCase(), await services.tenants.tenantOf(s)),
      ),
    );
    const now = services.clock.now();
    const audit = auditExposure({ ...pls, plsId: pls.id }, policy, (s) => tenants.get(s.toLowerCase()), now);
    const before = await store.get(pls.id);
    const announcedBefore = new Set(before?.announced ?? []);
    const changes = exposureChanges(
      pls.id,
      audit.findings,
      before?.audit.findings ?? [],
      announcedBefore,
      now,
    );
    for (const change of changes) {
      if (change.kind !== 'contradiction') continue;
      const finding = change.finding;
      logEvent(log, {
        level: 'warn',
        event: 'approval.exposure_contradiction',
        pls: pls.id,
        setting: finding.setting,
        key: finding.key,
        problem: finding.problem,
        fix: finding.fix,
      });
    }
    const plannedKey = await recordPlan(services, policy, audit, before?.plannedKey, now, context);
    // A fixed contradiction leaves the list, so it is announced again if it comes back; the
    // notifications (NOTIFY_WEBHOOKS) are staged in the same write as the list.
    await store.put(
      {
        audit,
        checkedAt: now.toISOString(),
        announced: audit.findings.map(announcementKey),
        plannedKey,
      },
      changes,
    );
    if (services.exposureMode === 'enforce') {
      const plan = planExposure(audit, policy, context.approvedSubscriptions);
      if (plan !== undefined) await enforceExposure({ ...services, exposure: store }, policy, plan, context);
    }
    return audit;
  } catch (error) {
    logEvent(log, {
      level: 'warn',
      event: 'approval.exposure_not_recorded',
      pls: pls.id,
      code: toAppError(error).code,
    });
    return undefined;
  }
}

/**
 * EXPOSURE_MODE=dry-run: the settings the policy implies (planExposure), audited in `ExposurePlans`
 * and logged once per distinct plan. Nothing is written to the PLS. Returns the plan key to keep.
 */
async function recordPlan(
  services: Pick<ReconcileDeps, 'exposure' | 'exposureMode'>,
  policy: Policy,
  audit: ExposureAudit,
  recordedKey: string | undefined,
  now: Date,
  context: {
    readonly log: Log;
    readonly correlationId: string;
    readonly approvedSubscriptions: readonly string[];
  },
): Promise<string | undefined> {
  if (services.exposureMode !== 'dry-run' || services.exposure === undefined) return undefined;
  const plan = planExposure(audit, policy, context.approvedSubscriptions);
  if (plan === undefined) return undefined;
  if (plan.key === recordedKey) return recordedKey;
  await services.exposure.recordPlan({
    plan,
    at: now,
    mode: 'dry-run',
    policyVersion: policy.version,
    correlationId: context.correlationId,
  });
  logEvent(context.log, {
    level: 'warn',
    event: 'approval.exposure_plan',
    mode: 'dry-run',
    pls: audit.plsId,
    visibilityFrom: plan.visibility?.from,
    visibilityTo: plan.visibility?.to,
    accessModeFrom: plan.accessMode?.from,
    accessModeTo: plan.accessMode?.to,
    kept: plan.kept,
  });
  return plan.key;
}
