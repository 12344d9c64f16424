import type { PrivateLinkServiceInfo } from '../../arm/arm-gateway';
import { toAppError } from '../../errors';
import { type Log, logEvent } from '../../log';
import { auditExposure, type ExposureAudit } from '../core/exposure-audit';
import type { Policy } from '../core/policy/policy';
import type { ReconcileDeps } from './approval-services';

/*
 * The exposure audit in a reconciliation run: the PLS is read once per run (the same read gives the
 * autoApproval list to the plan), its settings are compared with the policy, the result replaces the
 * PLS's stored audit (health and the dashboard banner read it), and each contradiction not
 * announced before is logged once as a warning with its fix. Observation only: a failure here is
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
  services: Pick<ReconcileDeps, 'tenants' | 'exposure' | 'clock'>,
  policy: Policy,
  pls: PrivateLinkServiceInfo,
  log: Log,
): Promise<ExposureAudit | undefined> {
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
    for (const finding of audit.findings) {
      if (announcedBefore.has(finding.key)) continue;
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
    // A fixed contradiction leaves the list, so it is announced again if it comes back.
    await store.put({
      audit,
      checkedAt: now.toISOString(),
      announced: audit.findings.map((f) => f.key),
    });
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
