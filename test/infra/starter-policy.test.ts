import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { APPROVE_RULE, starterPolicyText } from '../../scripts/starter-policy-text';
import { parsePolicy } from '../../shared/approval/adapters/policy-loader';
import {
  type ConnectionFacts,
  evaluateConnectionPolicy,
} from '../../shared/approval/core/policy/evaluate-policy';
import { type BicepFile, parameters, stringValue, variables } from '../helpers/bicep';
import { infraFile, infraFiles, REPO_ROOT } from './infra-fixture';

/**
 * The deploy path ends with a deciding app: the starter policy (`npm run policy:starter`) loads with
 * the product's own loader and approves the consumer lab's request exactly as docs/deploy.md's
 * Verify step expects, and the placeholder the repository ships leaves everything to a person.
 */
const TENANT = '4a3b2c1d-0000-4000-8000-00000000c0de';
const SUBSCRIPTION = '5b4c3d2e-0000-4000-8000-00000000beef';
const OTHER_TENANT = '6c5d4e3f-0000-4000-8000-000000000bad';
const sample = readFileSync(join(REPO_ROOT, 'approval-policy.sample.yaml'), 'utf8');
const now = new Date('2026-12-01T12:00:00Z');
const noApprovals = { bySubscription: () => 0, byTenant: () => 0 };

let files: BicepFile[];
beforeAll(async () => {
  files = await infraFiles();
});

const file = (path: string): BicepFile => infraFile(files, path);

/** The consumer lab's request messages: the template's default and the parameter file's value. */
function labMessages(): string[] {
  const template = parameters(file('infra/lab/consumer-lab.bicep')).find((p) => p.name === 'requestMessage');
  const fromParams = variables(file('infra/lab/consumer-lab.bicepparam')).get('requestMessage');
  const messages = [stringValue(template?.defaultValue), stringValue(fromParams)];
  expect(messages.every((m) => m !== undefined)).toBe(true);
  return messages as string[];
}

function facts(overrides: Partial<ConnectionFacts>): ConnectionFacts {
  return {
    plsId:
      '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-plg-lab-provider/providers/Microsoft.Network/privateLinkServices/plglab-pls-web',
    plsName: 'plglab-pls-web',
    connectionName: 'plglab-pe-web.1f2e3d4c-0000-4000-8000-000000000001',
    status: 'Pending',
    privateEndpointName: 'plglab-pe-web',
    privateEndpointResourceGroup: 'rg-plg-lab-consumer',
    privateEndpointLocation: 'westeurope',
    consumerSubscriptionId: SUBSCRIPTION,
    consumerTenantId: TENANT,
    requestMessage: undefined,
    ...overrides,
  };
}

describe('starter policy from the sample', () => {
  const text = starterPolicyText(sample, {
    tenants: [TENANT],
    subscriptions: [SUBSCRIPTION],
    privateLinkServices: [],
    generatedAt: now,
  });
  const policy = parsePolicy(text, 'starter');

  it('approves the consumer lab request (both of its messages) from the given tenant and subscription', () => {
    for (const requestMessage of labMessages()) {
      const verdict = evaluateConnectionPolicy(policy, facts({ requestMessage }), noApprovals, { now });
      expect({ message: requestMessage, action: verdict.action, rule: verdict.rule }).toEqual({
        message: requestMessage,
        action: 'approve',
        rule: APPROVE_RULE,
      });
    }
  });

  it('leaves another tenant, or another subscription, to a person, and rejects a request without a ticket', () => {
    const [message] = labMessages();
    expect(
      evaluateConnectionPolicy(
        policy,
        facts({ requestMessage: message, consumerTenantId: OTHER_TENANT }),
        noApprovals,
        { now },
      ).action,
    ).toBe('manual');
    expect(
      evaluateConnectionPolicy(
        policy,
        facts({ requestMessage: message, consumerSubscriptionId: '7d6e5f40-0000-4000-8000-000000000000' }),
        noApprovals,
        { now },
      ).action,
    ).toBe('manual');
    expect(
      evaluateConnectionPolicy(policy, facts({ requestMessage: 'please approve' }), noApprovals, { now })
        .action,
    ).toBe('reject');
  });

  it('limits the approve rule to given PLS names when asked', () => {
    const limited = parsePolicy(
      starterPolicyText(sample, {
        tenants: [TENANT],
        subscriptions: [],
        privateLinkServices: ['pls-other'],
        generatedAt: now,
      }),
    );
    const [message] = labMessages();
    expect(
      evaluateConnectionPolicy(limited, facts({ requestMessage: message }), noApprovals, { now }).action,
    ).toBe('manual');
  });

  it('refuses ids that are not GUIDs and a missing tenant', () => {
    expect(() =>
      starterPolicyText(sample, {
        tenants: [],
        subscriptions: [],
        privateLinkServices: [],
        generatedAt: now,
      }),
    ).toThrow(/--tenant/);
    expect(() =>
      starterPolicyText(sample, {
        tenants: ['contoso'],
        subscriptions: [],
        privateLinkServices: [],
        generatedAt: now,
      }),
    ).toThrow(/not a GUID/);
  });
});

describe('the policy the provider deployment ships', () => {
  it('main.bicepparam deploys infra/provider/approval-policy.yaml as APPROVAL_POLICY', () => {
    const value = variables(file('infra/provider/main.bicepparam')).get('approvalPolicy');
    expect(value?.text).toBe("loadTextContent('approval-policy.yaml')");
  });

  it('the placeholder loads and decides nothing by itself', () => {
    const placeholder = parsePolicy(
      readFileSync(join(REPO_ROOT, 'infra', 'provider', 'approval-policy.yaml'), 'utf8'),
    );
    expect(placeholder.rules).toEqual([]);
    const [message] = labMessages();
    expect(
      evaluateConnectionPolicy(placeholder, facts({ requestMessage: message }), noApprovals, { now }).action,
    ).toBe('manual');
  });
});
