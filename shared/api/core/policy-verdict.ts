import type { ConnectionFacts } from '../../approval/core/policy/evaluate-policy';
import { type ApprovedCounts, evaluateConnectionPolicy } from '../../approval/core/policy/evaluate-policy';
import { planDecision } from '../../approval/core/policy/plan-decision';
import type { Policy } from '../../approval/core/policy/policy';
import type { PolicyVerdictView } from './api-schemas';

/**
 * What the policy says about one connection and what it would do to it now, without deciding:
 * the verdict (action, matched rule, why, earlier rules that failed) comes from `evaluateConnectionPolicy`,
 * the effect from `planDecision` (the same planner reconciliation uses), so the API explains exactly
 * what the product will do on its next run.
 */
export function policyVerdictFor(
  policy: Policy,
  facts: ConnectionFacts,
  counts: ApprovedCounts,
  options: { readonly now: Date; readonly approvedByPerson: boolean },
): PolicyVerdictView {
  // Quotas limit new approvals only; an Approved connection is re-checked without them, as the planner does.
  const verdict = evaluateConnectionPolicy(policy, facts, counts, {
    now: options.now,
    ignoreQuota: facts.status === 'Approved',
  });
  const plan = planDecision(policy, facts, counts, options);
  const base = {
    action: verdict.action,
    rule: verdict.rule ?? null,
    reason: verdict.reason,
    description: verdict.description ?? null,
    policyVersion: verdict.policyVersion,
    skipped: verdict.skipped.map((s) => ({ rule: s.rule, failed: s.failed })),
  };
  if (plan.kind === 'write') {
    return {
      ...base,
      effect: plan.target === 'Approved' ? 'approve' : 'reject',
      effectReason: `the policy would set it to ${plan.target}: ${plan.verdict.reason}`,
    };
  }
  return {
    ...base,
    effect: 'none',
    effectReason: whyLeft(plan.why, facts.status, policy, options.approvedByPerson),
  };
}

function whyLeft(
  why: 'manual' | 'settled' | 'final',
  status: string,
  policy: Policy,
  approvedByPerson: boolean,
): string {
  switch (why) {
    case 'manual':
      return 'left Pending for a person to approve or reject';
    case 'settled':
      if (approvedByPerson) return 'approved by a person; the policy does not revoke it';
      return policy.enforceOnApproved
        ? 'already Approved and an approve rule still matches'
        : 'already Approved; enforceOnApproved is off, so the policy does not revisit it';
    case 'final':
      return status === 'Rejected'
        ? 'Rejected is final: ARM does not allow Rejected → Approved; the consumer must delete and recreate the private endpoint'
        : `${status}: there is nothing left to decide`;
  }
}

/** Approved connections per consumer on one PLS, for quota conditions. */
export function approvedCounts(
  facts: readonly Pick<ConnectionFacts, 'status' | 'consumerSubscriptionId' | 'consumerTenantId'>[],
): ApprovedCounts {
  const bySubscription = new Map<string, number>();
  const byTenant = new Map<string, number>();
  for (const f of facts) {
    if (f.status !== 'Approved') continue;
    if (f.consumerSubscriptionId !== undefined) {
      const key = f.consumerSubscriptionId.toLowerCase();
      bySubscription.set(key, (bySubscription.get(key) ?? 0) + 1);
    }
    if (f.consumerTenantId !== undefined) {
      const key = f.consumerTenantId.toLowerCase();
      byTenant.set(key, (byTenant.get(key) ?? 0) + 1);
    }
  }
  return {
    bySubscription: (s) => bySubscription.get(s.toLowerCase()) ?? 0,
    byTenant: (t) => byTenant.get(t.toLowerCase()) ?? 0,
  };
}
