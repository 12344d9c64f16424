import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../../../../shared/approval/adapters/policy-loader';
import type { EntitlementFact } from '../../../../../../shared/approval/core/entitlement';
import {
  entitlementRuleFor,
  evaluateConnectionPolicy,
} from '../../../../../../shared/approval/core/policy/evaluate-policy';
import { planDecision } from '../../../../../../shared/approval/core/policy/plan-decision';
import { counts, facts, NOW } from './policy-fixtures';

/* `action: entitlement` rules: the provider's system's answer is the action, and nothing else approves. */

const POLICY = parsePolicy(`
version: 1
enforceOnApproved: true
default: { action: manual }
rules:
  - name: blocked-tenant
    action: reject
    match: { consumerTenants: [bbbbbbbb-0000-0000-0000-000000000002] }
  - name: customers
    action: entitlement
    description: "Approved for {endpoint}"
    match: { privateLinkService: pls-web }
`);

const answered = (
  decision: 'approve' | 'reject' | 'manual',
  extra: Partial<EntitlementFact> = {},
): EntitlementFact =>
  ({
    outcome: 'answered',
    decision,
    customer: 'Adatum Corporation',
    description: undefined,
    approvalEndsAt: undefined,
    ...extra,
  }) as EntitlementFact;

const evaluate = (entitlement: EntitlementFact | undefined) =>
  evaluateConnectionPolicy(POLICY, facts({ entitlement }), counts(), { now: NOW });

describe('entitlement rules', () => {
  it('an approve answer approves, naming the customer and the end; the rule describes it when the answer does not', () => {
    const verdict = evaluate(answered('approve', { approvalEndsAt: '2027-01-01T00:00:00.000Z' }));
    expect(verdict).toMatchObject({
      action: 'approve',
      rule: 'customers',
      customer: 'Adatum Corporation',
      approvalEndsAt: '2027-01-01T00:00:00.000Z',
      description: 'Approved for pe-app',
      reason: 'rule customers matched; the entitlement check answered approve',
    });
  });

  it("the answer's description is written as given: inert, never rendered as a template", () => {
    const verdict = evaluate(answered('approve', { description: 'Welcome {rule} {policyVersion}' }));
    expect(verdict.description).toBe('Welcome {rule} {policyVersion}');
  });

  it('a reject answer rejects; a manual answer waits for a person with the customer kept', () => {
    expect(evaluate(answered('reject'))).toMatchObject({ action: 'reject', customer: 'Adatum Corporation' });
    expect(evaluate(answered('manual'))).toMatchObject({ action: 'manual', customer: 'Adatum Corporation' });
    expect(evaluate(answered('manual')).error).toBeUndefined();
  });

  it('no answer, or a failed one, is manual with the reason, never an approval', () => {
    const failed = evaluate({ outcome: 'failed', failure: 'timeout', detail: 'no answer within 5 s' });
    expect(failed).toMatchObject({
      action: 'manual',
      error: 'entitlement_unavailable',
      reason:
        'rule customers matched, but the entitlement check failed: no answer within 5 s; left for a person',
    });
    expect(evaluate(undefined)).toMatchObject({ action: 'manual', error: 'entitlement_unavailable' });
  });

  it('an earlier rule still decides first; only connections the entitlement rule would decide are asked', () => {
    const blocked = facts({ consumerTenantId: 'bbbbbbbb-0000-0000-0000-000000000002' });
    expect(entitlementRuleFor(POLICY, blocked)).toBeUndefined();
    expect(entitlementRuleFor(POLICY, facts())).toBe('customers');
    expect(entitlementRuleFor(POLICY, facts({ plsName: 'pls-other', plsId: '/x' }))).toBeUndefined();
  });

  it('an Approved connection is not revoked under enforceOnApproved for want of an answer (it is not asked again)', () => {
    const plan = planDecision(POLICY, facts({ status: 'Approved' }), counts(), { now: NOW });
    expect(plan).toMatchObject({ kind: 'leave', why: 'settled' });
  });

  it('the schema refuses a quota on an entitlement rule and names the new action in its message', () => {
    expect(() =>
      parsePolicy(`
version: 1
default: { action: manual }
rules:
  - name: customers
    action: entitlement
    match: { quota: { max: 1, per: subscription } }
`),
    ).toThrow(/quota limits approvals/);
    expect(() =>
      parsePolicy(`
version: 1
default: { action: manual }
rules: [{ name: x, action: ask }]
`),
    ).toThrow(/expected approve, reject, manual or entitlement/);
  });
});
