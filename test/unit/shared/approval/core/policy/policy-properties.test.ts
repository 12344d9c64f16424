import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../../../../shared/approval/adapters/policy-loader';
import {
  type ApprovedCounts,
  type ConnectionFacts,
  evaluateConnectionPolicy,
} from '../../../../../../shared/approval/core/policy/evaluate-policy';
import { planDecision } from '../../../../../../shared/approval/core/policy/plan-decision';

/**
 * Property tests: random policies against random connections. The reference evaluation below is
 * written independently of the engine (its own glob matcher, plain loops over the raw document),
 * so a bug in the engine's compilation or matching shows up as a disagreement.
 */

const SUBS = [
  '11111111-aaaa-4aaa-8aaa-000000000001',
  '11111111-aaaa-4aaa-8aaa-000000000002',
  '11111111-aaaa-4aaa-8aaa-000000000003',
];
const TENANTS = ['22222222-bbbb-4bbb-8bbb-000000000001', '22222222-bbbb-4bbb-8bbb-000000000002'];
const NAMES = ['pe-web', 'pe-api', 'PE-Web', 'db', 'x1'];
const RGS = ['rg-a', 'rg-b', 'RG-A', 'other'];
const GLOBS = ['pe-*', 'rg-?', '*', 'db', 'x?', 'RG-*', '*-web'];
const MESSAGES = ['CHG0012345', 'please CHG1234567 thanks', 'no ticket', '', 'chg0000001'];
const MESSAGE_REGEXES = ['CHG\\d{7}', '^please', 'ticket', '/chg\\d{7}/i'];
const REGIONS = ['westeurope', 'West Europe', 'northeurope', 'eastus'];
const PLS_NAMES = ['pls-web', 'pls-api'];
const STATUSES = ['Pending', 'Approved', 'Rejected', 'Disconnected'];
const plsId = (name: string) =>
  `/subscriptions/99999999-0000-4000-8000-000000000000/resourceGroups/rg-p/providers/Microsoft.Network/privateLinkServices/${name}`;

interface RawMatch {
  consumerSubscriptions?: string[];
  consumerTenants?: string[];
  privateEndpointResourceGroup?: string[];
  privateEndpointName?: string[];
  requestMessage?: string;
  privateEndpointLocation?: string[];
  privateLinkService?: string[];
  quota?: { max: number; per: 'subscription' | 'tenant' };
}
interface RawRule {
  name: string;
  action: 'approve' | 'reject' | 'manual';
  match: RawMatch;
}
interface RawPolicy {
  version: 1;
  default: { action: 'reject' | 'manual' };
  rules: RawRule[];
}

const sub = (items: readonly string[]) =>
  fc.uniqueArray(fc.constantFrom(...items), { minLength: 1, maxLength: 2 });

const matchArb: fc.Arbitrary<RawMatch> = fc.record(
  {
    consumerSubscriptions: sub(SUBS),
    consumerTenants: sub(TENANTS),
    privateEndpointResourceGroup: sub(GLOBS),
    privateEndpointName: sub(GLOBS),
    requestMessage: fc.constantFrom(...MESSAGE_REGEXES),
    privateEndpointLocation: sub(['westeurope', 'North Europe', 'eastus']),
    privateLinkService: sub(['pls-w*', plsId('pls-api').toUpperCase(), 'pls-*']),
    quota: fc.record({
      max: fc.integer({ min: 0, max: 3 }),
      per: fc.constantFrom('subscription' as const, 'tenant' as const),
    }),
  },
  { requiredKeys: [] },
);

/** The match without its quota key (absent, not undefined: the schema is strict about both). */
function withoutQuota<T extends { quota?: unknown }>(match: T): Omit<T, 'quota'> {
  const { quota: _quota, ...rest } = match;
  return rest;
}

const policyArb: fc.Arbitrary<RawPolicy> = fc
  .array(
    fc.record({
      action: fc.constantFrom('approve' as const, 'reject' as const, 'manual' as const),
      match: matchArb,
    }),
    {
      maxLength: 6,
    },
  )
  .chain((rules) =>
    fc.record({
      version: fc.constant(1 as const),
      default: fc.record({ action: fc.constantFrom('reject' as const, 'manual' as const) }),
      rules: fc.constant(
        rules.map((r, i) => ({
          name: `rule-${i}`,
          action: r.action,
          // A quota is only allowed on approve rules.
          match: r.action === 'approve' ? r.match : withoutQuota(r.match),
        })),
      ),
    }),
  );

const factsArb: fc.Arbitrary<ConnectionFacts> = fc
  .record({
    plsName: fc.constantFrom(...PLS_NAMES),
    status: fc.constantFrom(...STATUSES),
    privateEndpointName: fc.option(fc.constantFrom(...NAMES), { nil: undefined }),
    privateEndpointResourceGroup: fc.option(fc.constantFrom(...RGS), { nil: undefined }),
    privateEndpointLocation: fc.option(fc.constantFrom(...REGIONS), { nil: undefined }),
    consumerSubscriptionId: fc.option(fc.constantFrom(...SUBS), { nil: undefined }),
    consumerTenantId: fc.option(fc.constantFrom(...TENANTS), { nil: undefined }),
    requestMessage: fc.option(fc.constantFrom(...MESSAGES), { nil: undefined }),
  })
  .map((f) => ({ ...f, plsId: plsId(f.plsName), connectionName: `${f.privateEndpointName ?? 'pe'}.abc` }));

const countsArb = fc.record({
  bySubscription: fc.dictionary(fc.constantFrom(...SUBS), fc.integer({ min: 0, max: 4 })),
  byTenant: fc.dictionary(fc.constantFrom(...TENANTS), fc.integer({ min: 0, max: 4 })),
});

function countsOf(c: {
  bySubscription: Record<string, number>;
  byTenant: Record<string, number>;
}): ApprovedCounts {
  return { bySubscription: (s) => c.bySubscription[s] ?? 0, byTenant: (t) => c.byTenant[t] ?? 0 };
}

// --- the reference evaluation -------------------------------------------------------------------

function globMatches(glob: string, value: string): boolean {
  const g = glob.toLowerCase();
  const v = value.toLowerCase();
  const go = (i: number, j: number): boolean => {
    if (i === g.length) return j === v.length;
    if (g[i] === '*') return go(i + 1, j) || (j < v.length && go(i, j + 1));
    if (j === v.length) return false;
    return (g[i] === '?' || g[i] === v[j]) && go(i + 1, j + 1);
  };
  return go(0, 0);
}

function messageMatches(source: string, message: string): boolean {
  const literal = /^\/(.+)\/([a-z]*)$/.exec(source);
  return literal ? new RegExp(literal[1] ?? '', literal[2]).test(message) : new RegExp(source).test(message);
}

function ruleHolds(m: RawMatch, f: ConnectionFacts, c: ApprovedCounts): boolean {
  const region = (r: string) => r.replace(/ /g, '').toLowerCase();
  if (
    m.consumerSubscriptions &&
    !(f.consumerSubscriptionId && m.consumerSubscriptions.includes(f.consumerSubscriptionId))
  )
    return false;
  if (m.consumerTenants && !(f.consumerTenantId && m.consumerTenants.includes(f.consumerTenantId)))
    return false;
  if (m.privateEndpointResourceGroup) {
    const rg = f.privateEndpointResourceGroup;
    if (rg === undefined || !m.privateEndpointResourceGroup.some((g) => globMatches(g, rg))) return false;
  }
  if (m.privateEndpointName) {
    const name = f.privateEndpointName;
    if (name === undefined || !m.privateEndpointName.some((g) => globMatches(g, name))) return false;
  }
  if (m.requestMessage && !messageMatches(m.requestMessage, f.requestMessage ?? '')) return false;
  if (m.privateEndpointLocation) {
    const loc = f.privateEndpointLocation;
    if (loc === undefined || !m.privateEndpointLocation.some((r) => region(r) === region(loc))) return false;
  }
  if (m.privateLinkService) {
    const ok = m.privateLinkService.some((s) =>
      s.startsWith('/') ? s.toLowerCase() === f.plsId.toLowerCase() : globMatches(s, f.plsName),
    );
    if (!ok) return false;
  }
  if (m.quota) {
    const key = m.quota.per === 'subscription' ? f.consumerSubscriptionId : f.consumerTenantId;
    if (key === undefined) return false;
    const used = m.quota.per === 'subscription' ? c.bySubscription(key) : c.byTenant(key);
    if (used >= m.quota.max) return false;
  }
  return true;
}

function reference(
  p: RawPolicy,
  f: ConnectionFacts,
  c: ApprovedCounts,
): { action: string; rule: string | undefined } {
  for (const rule of p.rules)
    if (ruleHolds(rule.match, f, c)) return { action: rule.action, rule: rule.name };
  return { action: p.default.action, rule: undefined };
}

const now = new Date('2026-01-02T03:04:05Z');

describe('policy properties (fast-check)', () => {
  it('the engine agrees with the reference evaluation on random policies and connections', () => {
    fc.assert(
      fc.property(policyArb, factsArb, countsArb, (raw, f, rawCounts) => {
        const policy = parsePolicy(JSON.stringify(raw));
        const c = countsOf(rawCounts);
        const verdict = evaluateConnectionPolicy(policy, f, c, { now });
        expect({ action: verdict.action, rule: verdict.rule }).toEqual(reference(raw, f, c));
      }),
      { numRuns: 1000 },
    );
  });

  it('nothing is approved unless an approve rule matches it (and it is the first matching rule)', () => {
    fc.assert(
      fc.property(policyArb, factsArb, countsArb, (raw, f, rawCounts) => {
        const c = countsOf(rawCounts);
        const plan = planDecision(parsePolicy(JSON.stringify(raw)), f, c, { now });
        if (plan.kind === 'write' && plan.target === 'Approved') {
          expect(f.status).toBe('Pending');
          const first = raw.rules.find((r) => ruleHolds(r.match, f, c));
          expect(first?.action).toBe('approve');
          expect(first?.name).toBe(plan.verdict.rule);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a Rejected (or Disconnected) connection is never written to, whatever the policy', () => {
    fc.assert(
      fc.property(policyArb, fc.boolean(), factsArb, countsArb, (raw, enforce, f, rawCounts) => {
        const policy = parsePolicy(JSON.stringify({ ...raw, enforceOnApproved: enforce }));
        for (const status of ['Rejected', 'Disconnected']) {
          expect(planDecision(policy, { ...f, status }, countsOf(rawCounts), { now }).kind).toBe('leave');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('an unknown tenant never satisfies a tenant condition', () => {
    fc.assert(
      fc.property(policyArb, factsArb, countsArb, (raw, f, rawCounts) => {
        const unknown = { ...f, consumerTenantId: undefined };
        const verdict = evaluateConnectionPolicy(
          parsePolicy(JSON.stringify(raw)),
          unknown,
          countsOf(rawCounts),
          {
            now,
          },
        );
        const rule = raw.rules.find((r) => r.name === verdict.rule);
        expect(rule?.match.consumerTenants).toBeUndefined();
        if (rule?.match.quota?.per === 'tenant') expect.fail('a per-tenant quota matched an unknown tenant');
      }),
      { numRuns: 1000 },
    );
  });
});
