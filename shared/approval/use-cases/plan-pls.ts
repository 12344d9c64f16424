import type { PrivateLinkServiceInfo } from '../../arm/arm-gateway';
import { type Log, logEvent } from '../../log';
import { connectionKey } from '../../storage/table-keys';
import { type CapturedConnection, factsOf } from '../core/captured-connection';
import { approvedByPerson, type ConnectionRecord } from '../core/connection-record';
import type { EntitlementFact } from '../core/entitlement';
import type { OnboardingCodeFact } from '../core/onboarding-code-rules';
import type { ApprovedCounts } from '../core/policy/evaluate-policy';
import { type Plan, planDecision } from '../core/policy/plan-decision';
import type { Policy } from '../core/policy/policy';

/* Planning one PLS: what the policy would do with each listed connection, before anything is written. */

/** A connection as captured, with what the policy plans for it. */
export interface Planned {
  readonly capture: CapturedConnection;
  readonly plan: Plan;
  /** When the product first saw the connection: its record's, or this list's time for a new one. */
  readonly firstSeenAt: string;
}

export /**
 * Subscriptions on the PLS's own `autoApproval` list: ARM approves their connections at creation,
 * so no request message was ever captured, and a rule on the message would revoke them under
 * enforceOnApproved. What the provider's own list admits is never revoked. Taken from this run's
 * PLS read; if the PLS could not be read, no approval is revoked in this run.
 */
function nativelyAdmitted(
  policy: Policy,
  plsId: string,
  captures: readonly CapturedConnection[],
  pls: PrivateLinkServiceInfo | undefined,
  log: Log,
): ReadonlySet<string> | 'unknown' {
  if (!policy.enforceOnApproved || !captures.some((c) => c.status === 'Approved')) return new Set();
  if (pls === undefined) {
    logEvent(log, { level: 'warn', event: 'approval.auto_approval_list_unavailable', pls: plsId });
    return 'unknown';
  }
  return new Set(pls.autoApprovalSubscriptions.map((s) => s.toLowerCase()));
}

export /** Plans in a stable order (oldest first) so quotas go to the earliest requests, and counts planned approvals. */
function planAll(
  policy: Policy,
  captures: readonly CapturedConnection[],
  records: ReadonlyMap<string, ConnectionRecord>,
  now: Date,
  admitted: ReadonlySet<string> | 'unknown',
  /** The provider's system's answers by connection name (entitlement-check.ts). */
  entitlements: ReadonlyMap<string, EntitlementFact> = new Map(),
  /** Onboarding code facts by connection name (checked before planning: onboarding-codes.ts). */
  codes: ReadonlyMap<string, OnboardingCodeFact> = new Map(),
): Planned[] {
  const bySubscription = new Map<string, number>();
  const byTenant = new Map<string, number>();
  const bump = (c: CapturedConnection) => {
    if (c.consumerSubscriptionId !== undefined)
      bySubscription.set(c.consumerSubscriptionId, (bySubscription.get(c.consumerSubscriptionId) ?? 0) + 1);
    if (c.consumerTenantId !== undefined)
      byTenant.set(c.consumerTenantId, (byTenant.get(c.consumerTenantId) ?? 0) + 1);
  };
  for (const c of captures) if (c.status === 'Approved') bump(c);
  const counts: ApprovedCounts = {
    bySubscription: (s) => bySubscription.get(s) ?? 0,
    byTenant: (t) => byTenant.get(t) ?? 0,
  };
  const firstSeen = (c: CapturedConnection) =>
    records.get(connectionKey(c.connection.name))?.firstSeenAt ?? now.toISOString();
  const ordered = [...captures].sort(
    (a, b) => firstSeen(a).localeCompare(firstSeen(b)) || a.connection.name.localeCompare(b.connection.name),
  );
  return ordered.map((capture) => {
    const record = records.get(connectionKey(capture.connection.name));
    const sub = capture.consumerSubscriptionId;
    const nativelyApproved =
      capture.status === 'Approved' && (admitted === 'unknown' || (sub !== undefined && admitted.has(sub)));
    const plan: Plan = nativelyApproved
      ? { kind: 'leave', why: 'settled', verdict: undefined }
      : planDecision(
          policy,
          {
            ...factsOf(capture),
            entitlement: entitlements.get(capture.connection.name),
            onboardingCode: codes.get(capture.connection.name),
          },
          counts,
          {
            now,
            approvedByPerson: approvedByPerson(record, capture.status),
          },
        );
    if (plan.kind === 'write' && plan.target === 'Approved') bump(capture);
    return { capture, plan, firstSeenAt: firstSeen(capture) };
  });
}
