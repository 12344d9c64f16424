import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../../../../shared/approval/adapters/policy-loader';
import { evaluateConnectionPolicy } from '../../../../../../shared/approval/core/policy/evaluate-policy';
import { planDecision } from '../../../../../../shared/approval/core/policy/plan-decision';
import { CONSUMER_SUB, counts, facts, NOW, OTHER_TENANT, PLS_WEB, TRUSTED_TENANT } from './policy-fixtures';

function policyWith(match: string, action = 'approve', extra = ''): ReturnType<typeof parsePolicy> {
  return parsePolicy(`
version: 1
default: { action: manual }
${extra}
rules:
  - name: r
    action: ${action}
    match: ${match}
`);
}

describe('evaluatePolicy: each condition', () => {
  const cases: [string, string, Parameters<typeof facts>[0], Parameters<typeof facts>[0]][] = [
    [
      'consumerSubscriptions',
      `{ consumerSubscriptions: [${CONSUMER_SUB.toUpperCase()}] }`,
      {},
      { consumerSubscriptionId: '33333333-3333-3333-3333-333333333333' },
    ],
    ['consumerTenants', `{ consumerTenants: [${TRUSTED_TENANT}] }`, {}, { consumerTenantId: OTHER_TENANT }],
    ['unknown tenant', `{ consumerTenants: [${TRUSTED_TENANT}] }`, {}, { consumerTenantId: undefined }],
    [
      'resource group glob',
      '{ privateEndpointResourceGroup: "RG-cons*" }',
      {},
      { privateEndpointResourceGroup: 'rg-other' },
    ],
    [
      'endpoint name regex',
      '{ privateEndpointName: "/^pe-(app|web)$/" }',
      {},
      { privateEndpointName: 'pe-apps' },
    ],
    [
      'endpoint name list',
      '{ privateEndpointName: ["x-*", "pe-a?p"] }',
      {},
      { privateEndpointName: 'pe-apps' },
    ],
    ['request message', '{ requestMessage: "CHG\\\\d{7}" }', {}, { requestMessage: 'please approve' }],
    ['missing request message', '{ requestMessage: "CHG\\\\d{7}" }', {}, { requestMessage: undefined }],
    [
      'region',
      '{ privateEndpointLocation: ["West Europe"] }',
      {},
      { privateEndpointLocation: 'northeurope' },
    ],
    [
      'PLS by id',
      `{ privateLinkService: "${PLS_WEB.toLowerCase()}" }`,
      {},
      { plsId: PLS_WEB.replace('pls-web', 'pls-api') },
    ],
    ['PLS by name', '{ privateLinkService: "pls-w*" }', {}, { plsName: 'pls-api' }],
  ];
  for (const [title, match, matching, failing] of cases) {
    it(`${title}: matches when it holds, falls through when it does not`, () => {
      const policy = policyWith(match);
      expect(evaluateConnectionPolicy(policy, facts(matching), counts(), { now: NOW })).toMatchObject({
        action: 'approve',
        rule: 'r',
      });
      const verdict = evaluateConnectionPolicy(policy, facts(failing), counts(), { now: NOW });
      expect(verdict).toMatchObject({ action: 'manual', rule: undefined });
      expect(verdict.skipped).toHaveLength(1);
    });
  }

  it('quota: matches under the limit, falls through at it, per subscription and per tenant', () => {
    const perSub = policyWith('{ quota: { max: 2, per: subscription } }');
    expect(
      evaluateConnectionPolicy(perSub, facts(), counts({ [CONSUMER_SUB]: 1 }), { now: NOW }).action,
    ).toBe('approve');
    const full = evaluateConnectionPolicy(perSub, facts(), counts({ [CONSUMER_SUB]: 2 }), { now: NOW });
    expect(full).toMatchObject({ action: 'manual', skipped: [{ rule: 'r', failed: 'quota' }] });
    const perTenant = policyWith('{ quota: { max: 1, per: tenant } }');
    expect(
      evaluateConnectionPolicy(perTenant, facts(), counts({}, { [TRUSTED_TENANT]: 1 }), { now: NOW }).action,
    ).toBe('manual');
    expect(
      evaluateConnectionPolicy(perTenant, facts({ consumerTenantId: undefined }), counts(), { now: NOW })
        .action,
    ).toBe('manual');
    expect(
      evaluateConnectionPolicy(perTenant, facts(), counts({}, { [OTHER_TENANT]: 5 }), { now: NOW }).action,
    ).toBe('approve');
  });

  it('all conditions of a rule must hold', () => {
    const policy = policyWith(`{ consumerTenants: [${TRUSTED_TENANT}], requestMessage: "CHG\\\\d{7}" }`);
    expect(evaluateConnectionPolicy(policy, facts(), counts(), { now: NOW }).action).toBe('approve');
    expect(
      evaluateConnectionPolicy(policy, facts({ requestMessage: 'hi' }), counts(), { now: NOW }).action,
    ).toBe('manual');
  });
});

describe('evaluatePolicy: ordering, default and descriptions', () => {
  const policy = parsePolicy(`
version: 1
default: { action: reject, description: "Rejected by default on {date}" }
rules:
  - { name: first, action: reject, match: { privateEndpointName: "pe-*" }, description: "No {endpoint} here" }
  - { name: second, action: approve }
`);

  it('first matching rule wins', () => {
    expect(evaluateConnectionPolicy(policy, facts(), counts(), { now: NOW })).toMatchObject({
      action: 'reject',
      rule: 'first',
      description: 'No pe-app here',
      reason: 'rule first matched',
    });
    expect(
      evaluateConnectionPolicy(policy, facts({ privateEndpointName: 'x' }), counts(), { now: NOW }),
    ).toMatchObject({
      action: 'approve',
      rule: 'second',
      description: 'Approved by policy rule second on 2026-03-04',
    });
  });

  it('first matching rule wins among rules with the same action: its name and description decide', () => {
    // Every rule approves, so only the order tells which one matched; a loop that kept the last
    // match, or walked the rules backwards, would name another rule and write another description.
    const sameAction = parsePolicy(`
version: 1
default: { action: manual }
rules:
  - { name: alpha, action: approve, match: { privateEndpointName: "pe-*" }, description: "alpha {endpoint}" }
  - { name: beta, action: approve, match: { privateEndpointName: "pe-*" }, description: "beta {endpoint}" }
  - { name: gamma, action: approve, description: "gamma {endpoint}" }
`);
    expect(evaluateConnectionPolicy(sameAction, facts(), counts(), { now: NOW })).toMatchObject({
      action: 'approve',
      rule: 'alpha',
      description: 'alpha pe-app',
      reason: 'rule alpha matched',
      skipped: [],
    });
    expect(
      evaluateConnectionPolicy(sameAction, facts({ privateEndpointName: 'x' }), counts(), { now: NOW }),
    ).toMatchObject({
      rule: 'gamma',
      description: 'gamma x',
      skipped: [
        { rule: 'alpha', failed: 'privateEndpointName' },
        { rule: 'beta', failed: 'privateEndpointName' },
      ],
    });
  });

  it('uses the explicit default, with its description, when nothing matches', () => {
    const onlyFirst = parsePolicy(`
version: 1
default: { action: reject, description: "Rejected by default on {date}" }
rules: [{ name: first, action: approve, match: { privateEndpointName: "zzz" } }]
`);
    expect(evaluateConnectionPolicy(onlyFirst, facts(), counts(), { now: NOW })).toMatchObject({
      action: 'reject',
      rule: undefined,
      description: 'Rejected by default on 2026-03-04',
      reason: 'no rule matched (first: privateEndpointName); default is reject',
    });
  });

  it('never truncates: a description longer than 140 at decision time turns the verdict to manual', () => {
    const p = parsePolicy(`
version: 1
default: { action: manual }
rules: [{ name: r, action: approve, description: "{endpoint} {subscription}" }]
`);
    const verdict = evaluateConnectionPolicy(p, facts({ privateEndpointName: 'x'.repeat(110) }), counts(), {
      now: NOW,
    });
    expect(verdict).toMatchObject({
      action: 'manual',
      error: 'description_too_long',
      description: undefined,
    });
    expect(verdict.reason).toContain('147 characters');
  });
});

describe('planDecision', () => {
  const approveAll = parsePolicy(
    'version: 1\ndefault: { action: manual }\nrules: [{ name: all, action: approve }]',
  );
  const rejectAll = parsePolicy(
    'version: 1\nenforceOnApproved: true\ndefault: { action: manual }\nrules: [{ name: none, action: reject }]',
  );

  it('decides Pending connections', () => {
    expect(planDecision(approveAll, facts(), counts(), { now: NOW })).toMatchObject({
      kind: 'write',
      target: 'Approved',
    });
    expect(planDecision(rejectAll, facts(), counts(), { now: NOW })).toMatchObject({
      kind: 'write',
      target: 'Rejected',
    });
  });

  it('never tries Rejected → Approved, and leaves Disconnected alone', () => {
    expect(planDecision(approveAll, facts({ status: 'Rejected' }), counts(), { now: NOW })).toEqual({
      kind: 'leave',
      why: 'final',
      verdict: undefined,
    });
    expect(planDecision(approveAll, facts({ status: 'Disconnected' }), counts(), { now: NOW }).kind).toBe(
      'leave',
    );
  });

  it('re-checks Approved connections only with enforceOnApproved, and spares approvals made by people', () => {
    expect(planDecision(approveAll, facts({ status: 'Approved' }), counts(), { now: NOW }).kind).toBe(
      'leave',
    );
    expect(planDecision(rejectAll, facts({ status: 'Approved' }), counts(), { now: NOW })).toMatchObject({
      kind: 'write',
      target: 'Rejected',
    });
    expect(
      planDecision(rejectAll, facts({ status: 'Approved' }), counts(), { now: NOW, approvedByPerson: true })
        .kind,
    ).toBe('leave');
    const manualEnforced = parsePolicy('version: 1\nenforceOnApproved: true\ndefault: { action: manual }\n');
    const revoked = planDecision(manualEnforced, facts({ status: 'Approved' }), counts(), { now: NOW });
    expect(revoked).toMatchObject({ kind: 'write', target: 'Rejected' });
    if (revoked.kind === 'write') expect(revoked.verdict.description?.length).toBeLessThanOrEqual(140);
  });

  it('does not count quotas against connections that are already Approved', () => {
    const quota = parsePolicy(
      'version: 1\nenforceOnApproved: true\ndefault: { action: manual }\nrules: [{ name: q, action: approve, match: { quota: { max: 1, per: subscription } } }]',
    );
    expect(
      planDecision(quota, facts({ status: 'Approved' }), counts({ [CONSUMER_SUB]: 5 }), { now: NOW }).kind,
    ).toBe('leave');
  });
});
