import { renderTemplate } from './description-template';
import {
  type ApprovedCounts,
  type ConnectionFacts,
  evaluateConnectionPolicy,
  type Verdict,
} from './evaluate-policy';
import type { Policy } from './policy';

/** What the policy wants done with one connection in its current state. */
export type Plan =
  | { readonly kind: 'write'; readonly target: 'Approved' | 'Rejected'; readonly verdict: Verdict }
  | { readonly kind: 'leave'; readonly why: LeaveReason; readonly verdict: Verdict | undefined };

export type LeaveReason =
  /** Pending and the verdict is manual: a person decides. */
  | 'manual'
  /** Approved and still allowed (or enforceOnApproved is off, or a person approved it). */
  | 'settled'
  /** Rejected or Disconnected: no transition out of these exists for the provider (Rejected → Approved is refused by ARM). */
  | 'final';

const REVOKE_TEMPLATE =
  'Approval revoked by policy {policyVersion} on {date}: no approve rule matches any more';

/**
 * Plans the policy's action for one connection. Only Pending connections are decided; Approved ones
 * are re-checked only with `enforceOnApproved` and can then only be rejected; Rejected ones are never
 * touched, because ARM cannot turn Rejected back into Approved (the consumer must recreate the endpoint).
 */
export function planDecision(
  policy: Policy,
  facts: ConnectionFacts,
  counts: ApprovedCounts,
  options: { readonly now: Date; readonly approvedByPerson?: boolean },
): Plan {
  if (facts.status === 'Pending') {
    const verdict = evaluateConnectionPolicy(policy, facts, counts, { now: options.now });
    if (verdict.action === 'approve') return { kind: 'write', target: 'Approved', verdict };
    if (verdict.action === 'reject') return { kind: 'write', target: 'Rejected', verdict };
    return { kind: 'leave', why: 'manual', verdict };
  }
  if (facts.status === 'Approved') {
    if (!policy.enforceOnApproved || options.approvedByPerson === true) {
      return { kind: 'leave', why: 'settled', verdict: undefined };
    }
    const verdict = evaluateConnectionPolicy(policy, facts, counts, { now: options.now, ignoreQuota: true });
    if (verdict.action === 'approve') return { kind: 'leave', why: 'settled', verdict };
    if (verdict.action === 'reject') return { kind: 'write', target: 'Rejected', verdict };
    if (verdict.error !== undefined) return { kind: 'leave', why: 'settled', verdict };
    const rendered = renderTemplate(REVOKE_TEMPLATE, {
      rule: verdict.rule ?? 'default',
      action: 'reject',
      subscription: facts.consumerSubscriptionId ?? 'unknown',
      tenant: facts.consumerTenantId ?? 'unknown',
      pls: facts.plsName,
      endpoint: facts.privateEndpointName ?? 'unknown',
      date: options.now.toISOString().slice(0, 10),
      policyVersion: policy.version,
    });
    const description = rendered.ok ? rendered.text : 'Approval revoked by policy';
    return {
      kind: 'write',
      target: 'Rejected',
      verdict: {
        ...verdict,
        action: 'reject',
        description,
        reason: `${verdict.reason}; enforceOnApproved revokes it`,
      },
    };
  }
  return { kind: 'leave', why: 'final', verdict: undefined };
}
