import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../../../shared/approval/adapters/policy-loader';
import {
  announcementKey,
  auditExposure,
  type ExposureSettings,
  exposureChanges,
  planExposure,
  policyTrust,
} from '../../../../../shared/approval/core/exposure-audit';

const PLS =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/pls-web';
const A = 'aaaaaaaa-0000-4000-8000-00000000000a';
const B = 'bbbbbbbb-0000-4000-8000-00000000000b';
const C = 'cccccccc-0000-4000-8000-00000000000c';
const TENANT = 'dddddddd-0000-4000-8000-00000000000d';
const NOW = new Date('2026-12-07T00:00:00Z');

const CLOSED = parsePolicy(`
version: 1
default: { action: reject }
rules:
  - name: customers
    action: approve
    match: { consumerSubscriptions: ["${A}", "${B}"] }
`);

function settings(over: Partial<ExposureSettings> = {}): ExposureSettings {
  return {
    plsId: PLS,
    visibilitySubscriptions: [A, B],
    autoApprovalSubscriptions: [],
    accessMode: 'Restricted',
    enableProxyProtocol: false,
    ...over,
  };
}

const keys = (
  s: ExposureSettings,
  policy = CLOSED,
  tenantOf = (_: string): string | undefined => undefined,
) => auditExposure(s, policy, tenantOf, NOW).findings.map((f) => f.key);

describe('the exposure audit', () => {
  it('finds nothing when the settings are as narrow as the policy', () => {
    expect(keys(settings())).toEqual([]);
  });

  it("flags visibility '*' and accessMode Default under a closed policy, each with the exact fix", () => {
    const audit = auditExposure(
      settings({ visibilitySubscriptions: ['*'], accessMode: 'Default' }),
      CLOSED,
      () => undefined,
      NOW,
    );
    expect(audit.trust).toBe('closed');
    const [visibility, accessMode] = audit.findings;
    expect(visibility?.key).toBe('visibility');
    expect(visibility?.fix).toContain(`properties.visibility.subscriptions: ['${A}', '${B}']`);
    expect(visibility?.fix).toContain(`az resource update --ids ${PLS}`);
    expect(accessMode?.key).toBe('accessMode');
    expect(accessMode?.fix).toContain("properties.accessMode: 'Restricted'");
    expect(accessMode?.fix).toContain('properties.accessMode=Restricted');
  });

  it('reads an absent accessMode as Default (what ARM means without it)', () => {
    expect(keys(settings({ accessMode: undefined }))).toEqual(['accessMode']);
  });

  it('flags visibility listing subscriptions no rule approves', () => {
    const [finding] = auditExposure(
      settings({ visibilitySubscriptions: [A, C] }),
      CLOSED,
      () => undefined,
      NOW,
    ).findings;
    expect(finding?.problem).toContain(C);
    expect(finding?.problem).not.toContain(A);
  });

  it('says nothing about visibility or accessMode when the policy trusts anyone', () => {
    const manualDefault = parsePolicy(`
version: 1
default: { action: manual }
rules: [{ name: customers, action: approve, match: { consumerSubscriptions: ["${A}"] } }]
`);
    const openRule = parsePolicy(`
version: 1
default: { action: reject }
rules: [{ name: anyone-with-ticket, action: approve, match: { requestMessage: "CHG\\\\d{7}" } }]
`);
    const wide = settings({ visibilitySubscriptions: ['*'], accessMode: 'Default' });
    expect(policyTrust(manualDefault, PLS)).toMatchObject({ kind: 'open' });
    expect(policyTrust(openRule, PLS)).toMatchObject({
      kind: 'open',
      why: expect.stringContaining('anyone-with-ticket'),
    });
    expect(keys(wide, manualDefault)).toEqual([]);
    expect(keys(wide, openRule)).toEqual([]);
  });

  it('counts only the rules that apply to this PLS', () => {
    const policy = parsePolicy(`
version: 1
default: { action: reject }
rules:
  - { name: other-service, action: approve, match: { privateLinkService: pls-api } }
  - { name: customers, action: approve, match: { consumerSubscriptions: ["${A}"], privateLinkService: pls-web } }
`);
    expect(policyTrust(policy, PLS)).toEqual({ kind: 'closed', subscriptions: [A], tenants: [] });
  });

  it('trusting by tenant asks for the tenant subscriptions in visibility (it cannot list them itself)', () => {
    const policy = parsePolicy(`
version: 1
default: { action: reject }
rules: [{ name: tenant, action: approve, match: { consumerTenants: ["${TENANT}"] } }]
`);
    const [finding] = auditExposure(
      settings({ visibilitySubscriptions: ['*'] }),
      policy,
      () => undefined,
      NOW,
    ).findings;
    expect(finding?.fix).toContain(`tenant(s) ${TENANT}`);
    expect(keys(settings({ visibilitySubscriptions: [C] }), policy)).toEqual([]);
  });

  describe('autoApproval', () => {
    it('is consistent for a subscription the policy approves on subscription or tenant alone', () => {
      expect(keys(settings({ autoApprovalSubscriptions: [A] }))).toEqual([]);
      const byTenant = parsePolicy(`
version: 1
default: { action: reject }
rules: [{ name: tenant, action: approve, match: { consumerTenants: ["${TENANT}"] } }]
`);
      expect(
        keys(
          settings({ autoApprovalSubscriptions: [C], visibilitySubscriptions: [C] }),
          byTenant,
          () => TENANT,
        ),
      ).toEqual([]);
    });

    it('flags a subscription the policy would reject, with the list to keep', () => {
      const [finding] = auditExposure(
        settings({ autoApprovalSubscriptions: [A, C] }),
        CLOSED,
        () => undefined,
        NOW,
      ).findings;
      expect(finding?.key).toBe(`autoApproval:${C}`);
      expect(finding?.problem).toContain('reject it');
      expect(finding?.fix).toContain(`properties.autoApproval.subscriptions="['${A}']"`);
    });

    it('flags a subscription whose approval needs a ticket (a request message ARM never checks)', () => {
      const ticket = parsePolicy(`
version: 1
default: { action: manual }
rules:
  - name: with-ticket
    action: approve
    match: { consumerSubscriptions: ["${A}"], requestMessage: "CHG\\\\d{7}" }
`);
      const [finding] = auditExposure(
        settings({ autoApprovalSubscriptions: [A] }),
        ticket,
        () => undefined,
        NOW,
      ).findings;
      expect(finding?.key).toBe(`autoApproval:${A}`);
      expect(finding?.problem).toContain('leave it to a person');
      expect(finding?.problem).toContain('with-ticket needs requestMessage');
    });

    it('flags a subscription whose approving rule has a quota', () => {
      const quota = parsePolicy(`
version: 1
default: { action: reject }
rules:
  - name: one-each
    action: approve
    match: { consumerSubscriptions: ["${A}"], quota: { max: 1, per: subscription } }
`);
      const [finding] = auditExposure(
        settings({ autoApprovalSubscriptions: [A], visibilitySubscriptions: [A] }),
        quota,
        () => undefined,
        NOW,
      ).findings;
      expect(finding?.problem).toContain("one-each's quota");
    });
  });

  describe('the settings plan (EXPOSURE_MODE=dry-run)', () => {
    const audit = (over: Partial<ExposureSettings>, policy = CLOSED) =>
      auditExposure(settings(over), policy, () => undefined, NOW);

    it('plans nothing when the settings already follow the policy, or the policy is open', () => {
      expect(planExposure(audit({}), CLOSED, [])).toBeUndefined();
      const open = parsePolicy('version: 1\ndefault: { action: manual }\nrules: []\n');
      expect(planExposure(audit({ visibilitySubscriptions: ['*'] }, open), open, [])).toBeUndefined();
    });

    it('keeps approved and auto-approved consumers in visibility, and its key names the change', () => {
      const plan = planExposure(
        audit({ visibilitySubscriptions: ['*'], accessMode: 'Default', autoApprovalSubscriptions: [A] }),
        CLOSED,
        [C.toUpperCase()],
      );
      expect(plan).toMatchObject({
        visibility: { from: ['*'], to: [A, B, C].sort() },
        accessMode: { from: 'Default', to: 'Restricted' },
        kept: [C],
      });
      const again = planExposure(audit({ visibilitySubscriptions: ['*'], accessMode: 'Default' }), CLOSED, [
        C,
      ]);
      expect(again?.key).toBe(plan?.key);
    });

    it('under a tenant-wide rule plans accessMode only (the tenant subscriptions are unknown)', () => {
      const byTenant = parsePolicy(`
version: 1
default: { action: reject }
rules: [{ name: tenant, action: approve, match: { consumerTenants: ["${TENANT}"] } }]
`);
      const plan = planExposure(
        audit({ visibilitySubscriptions: ['*'], accessMode: 'Default' }, byTenant),
        byTenant,
        [],
      );
      expect(plan).toMatchObject({ visibility: undefined, accessMode: { to: 'Restricted' } });
    });
  });
});

describe('what is announced', () => {
  it('a contradiction once per value: a new wrong value is news and its old one resolved; a fix resolves it', () => {
    const open = auditExposure(settings({ visibilitySubscriptions: ['*'] }), CLOSED, () => undefined, NOW);
    const first = exposureChanges(PLS, open.findings, [], new Set(), NOW);
    expect(first.map((c) => [c.kind, c.finding.key, c.finding.current])).toEqual([
      ['contradiction', 'visibility', "['*']"],
    ]);
    const announced = new Set(open.findings.map(announcementKey));
    expect(exposureChanges(PLS, open.findings, open.findings, announced, NOW)).toEqual([]);
    const wider = auditExposure(settings({ visibilitySubscriptions: [A, C] }), CLOSED, () => undefined, NOW);
    expect(
      exposureChanges(PLS, wider.findings, open.findings, announced, NOW).map((c) => [
        c.kind,
        c.finding.current,
      ]),
    ).toEqual([
      ['contradiction', `['${A}', '${C}']`],
      ['resolved', "['*']"],
    ]);
    const fixed = auditExposure(settings(), CLOSED, () => undefined, NOW);
    expect(exposureChanges(PLS, fixed.findings, open.findings, announced, NOW).map((c) => c.kind)).toEqual([
      'resolved',
    ]);
  });
});
