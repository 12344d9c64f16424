import { renderTemplate, type TemplateValues } from './description-template';
import {
  type CompiledMatch,
  type CompiledRule,
  DEFAULT_DESCRIPTIONS,
  normaliseRegion,
  type Policy,
} from './policy';
import type { PolicyAction } from './policy-schema';

/** What the policy may look at: the connection as read from ARM, plus the discovered tenant. */
export interface ConnectionFacts {
  readonly plsId: string;
  readonly plsName: string;
  readonly connectionName: string;
  readonly status: string;
  readonly privateEndpointName: string | undefined;
  readonly privateEndpointResourceGroup: string | undefined;
  readonly privateEndpointLocation: string | undefined;
  readonly consumerSubscriptionId: string | undefined;
  /** Undefined when discovery did not tell: never satisfies a tenant condition. */
  readonly consumerTenantId: string | undefined;
  /** The consumer's request message (the description while Pending). */
  readonly requestMessage: string | undefined;
}

/** Approved connections on the same PLS, per consumer, for quota rules. */
export interface ApprovedCounts {
  bySubscription(subscriptionId: string): number;
  byTenant(tenantId: string): number;
}

export type Condition =
  | 'consumerSubscriptions'
  | 'consumerTenants'
  | 'privateEndpointResourceGroup'
  | 'privateEndpointName'
  | 'requestMessage'
  | 'privateEndpointLocation'
  | 'privateLinkService'
  | 'quota';

export interface Verdict {
  readonly action: PolicyAction;
  /** The matching rule, or undefined when the default decided. */
  readonly rule: string | undefined;
  readonly policyVersion: string;
  /** For approve/reject: the rendered description to write (at most 140 characters). */
  readonly description: string | undefined;
  /** One line a person can read: why this verdict. */
  readonly reason: string;
  /** The first condition each earlier rule failed on, in rule order (why they did not match). */
  readonly skipped: readonly { readonly rule: string; readonly failed: Condition }[];
  /** Set when the verdict was forced to manual because the description could not be rendered. */
  readonly error?: 'description_too_long';
}

export interface EvaluateOptions {
  readonly now: Date;
  /** Re-checking an already Approved connection: quotas limit new approvals only. */
  readonly ignoreQuota?: boolean;
}

/** First matching rule wins; otherwise the default. Pure: same inputs, same verdict. */
export function evaluatePolicy(
  policy: Policy,
  facts: ConnectionFacts,
  counts: ApprovedCounts,
  options: EvaluateOptions,
): Verdict {
  const skipped: { rule: string; failed: Condition }[] = [];
  for (const rule of policy.rules) {
    const failed = firstFailedCondition(rule.match, facts, counts, options.ignoreQuota === true);
    if (failed !== undefined) {
      skipped.push({ rule: rule.name, failed });
      continue;
    }
    return verdictFor(policy, rule, facts, options.now, skipped);
  }
  const action = policy.default.action;
  const reason =
    skipped.length === 0 || policy.rules.length === 0
      ? `no rule matched; default is ${action}`
      : `no rule matched (${skipped.map((s) => `${s.rule}: ${s.failed}`).join(', ')}); default is ${action}`;
  return finish(policy, action, undefined, policy.default.description, facts, options.now, reason, skipped);
}

function verdictFor(
  policy: Policy,
  rule: CompiledRule,
  facts: ConnectionFacts,
  now: Date,
  skipped: readonly { rule: string; failed: Condition }[],
): Verdict {
  return finish(
    policy,
    rule.action,
    rule.name,
    rule.description,
    facts,
    now,
    `rule ${rule.name} matched`,
    skipped,
  );
}

function finish(
  policy: Policy,
  action: PolicyAction,
  rule: string | undefined,
  template: string | undefined,
  facts: ConnectionFacts,
  now: Date,
  reason: string,
  skipped: readonly { rule: string; failed: Condition }[],
): Verdict {
  const base = { rule, policyVersion: policy.version, skipped };
  if (action === 'manual') return { ...base, action, description: undefined, reason };
  const rendered = renderTemplate(
    template ?? DEFAULT_DESCRIPTIONS[action],
    templateValues(policy, rule, action, facts, now),
  );
  if (!rendered.ok) {
    // Never truncate: a shortened reason is a wrong reason. A person decides instead.
    return {
      ...base,
      action: 'manual',
      description: undefined,
      reason: `${reason}, but its description renders to ${rendered.length} characters (ARM allows 140); left for a person`,
      error: 'description_too_long',
    };
  }
  return { ...base, action, description: rendered.text, reason };
}

function templateValues(
  policy: Policy,
  rule: string | undefined,
  action: 'approve' | 'reject',
  facts: ConnectionFacts,
  now: Date,
): TemplateValues {
  return {
    rule: rule ?? 'default',
    action,
    subscription: facts.consumerSubscriptionId ?? 'unknown',
    tenant: facts.consumerTenantId ?? 'unknown',
    pls: facts.plsName,
    endpoint: facts.privateEndpointName ?? 'unknown',
    date: now.toISOString().slice(0, 10),
    policyVersion: policy.version,
  };
}

/** Undefined when every condition holds. Missing facts never satisfy a condition (fail closed). */
export function firstFailedCondition(
  match: CompiledMatch,
  facts: ConnectionFacts,
  counts: ApprovedCounts,
  ignoreQuota: boolean,
): Condition | undefined {
  const subscription = facts.consumerSubscriptionId?.toLowerCase();
  const tenant = facts.consumerTenantId?.toLowerCase();
  if (match.consumerSubscriptions !== undefined) {
    if (subscription === undefined || !match.consumerSubscriptions.has(subscription))
      return 'consumerSubscriptions';
  }
  if (match.consumerTenants !== undefined) {
    if (tenant === undefined || !match.consumerTenants.has(tenant)) return 'consumerTenants';
  }
  if (match.privateEndpointResourceGroup !== undefined) {
    const rg = facts.privateEndpointResourceGroup;
    if (rg === undefined || !match.privateEndpointResourceGroup.some((p) => p.test(rg)))
      return 'privateEndpointResourceGroup';
  }
  if (match.privateEndpointName !== undefined) {
    const name = facts.privateEndpointName;
    if (name === undefined || !match.privateEndpointName.some((p) => p.test(name)))
      return 'privateEndpointName';
  }
  if (match.requestMessage !== undefined && !match.requestMessage.test(facts.requestMessage ?? '')) {
    return 'requestMessage';
  }
  if (match.privateEndpointLocation !== undefined) {
    const location = facts.privateEndpointLocation;
    if (location === undefined || !match.privateEndpointLocation.has(normaliseRegion(location)))
      return 'privateEndpointLocation';
  }
  if (match.privateLinkService !== undefined) {
    const { ids, names } = match.privateLinkService;
    if (!ids.has(facts.plsId.toLowerCase()) && !names.some((p) => p.test(facts.plsName)))
      return 'privateLinkService';
  }
  if (match.quota !== undefined && !ignoreQuota) {
    const { max, per } = match.quota;
    const key = per === 'subscription' ? subscription : tenant;
    if (key === undefined) return 'quota';
    const used = per === 'subscription' ? counts.bySubscription(key) : counts.byTenant(key);
    if (used >= max) return 'quota';
  }
  return undefined;
}
