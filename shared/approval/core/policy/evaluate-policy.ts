import type { EntitlementFact } from '../entitlement';
import type { OnboardingCodeFact } from '../onboarding-code-rules';
import { renderTemplate, type TemplateValues } from './description-template';
import type { NamePattern } from './pattern';
import {
  type CompiledConditions,
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
  /** The consumer's request message (the description while Pending), onboarding codes masked. */
  readonly requestMessage: string | undefined;
  /**
   * The onboarding code's check, made before the evaluation (use-cases/onboarding-code-facts.ts);
   * undefined when the message holds no code or nobody checked: never satisfies `onboardingCode`.
   */
  readonly onboardingCode?: OnboardingCodeFact | undefined;
  /**
   * The provider's system's answer for this connection, asked before evaluation (use-cases
   * entitlement-check.ts) when an `entitlement` rule would decide it; undefined when not asked.
   */
  readonly entitlement?: EntitlementFact | undefined;
}

/** Approved connections on the same PLS, per consumer, for quota rules. */
export interface ApprovedCounts {
  bySubscription(subscriptionId: string): number;
  byTenant(tenantId: string): number;
}

/** The conditions about the connection itself, which a rule's `not:` block can also exclude. */
export type FactCondition =
  | 'consumerSubscriptions'
  | 'consumerTenants'
  | 'privateEndpointResourceGroup'
  | 'privateEndpointName'
  | 'requestMessage'
  | 'privateEndpointLocation'
  | 'privateLinkService';

/** A failed `not.requestMessage` means the message matched the excluded pattern. */
export type Condition = FactCondition | `not.${FactCondition}` | 'quota' | 'onboardingCode';

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
  /**
   * Set when the verdict was forced to manual: the description could not be rendered, or an
   * `entitlement` rule got no usable answer (never approved on failure; an Approved connection is
   * not revoked for it either).
   */
  readonly error?: 'description_too_long' | 'entitlement_unavailable';
  /**
   * The customer the connection belongs to, when the deciding rule knows one: the provider's
   * system named it (entitlement rules), or a valid onboarding code binds the connection to the
   * customer it was issued for. Bounded, inert text.
   */
  readonly customer?: string | undefined;
  /** The onboarding code's check when a rule looked at it: `valid` or the reason code, with the code's id. */
  readonly onboardingCode?: { readonly result: string; readonly codeId: string | undefined } | undefined;
  /**
   * When an approval by this verdict ends (ISO 8601, UTC): the provider's system's answer, or else
   * the rule's `approveFor` from now. Absent: no end.
   */
  readonly approvalEndsAt?: string;
  /** 2 when the connection needs two approvals by different people (the two-person rule). */
  readonly approvalsRequired?: 1 | 2;
}

/** What a person's approval of a connection is bound by: the first rule matching its facts (quotas aside), and the PLS. */
export interface ApprovalTerms {
  readonly approvalsRequired: 1 | 2;
  /** The rule's `approveFor` in ms, when the governing rule has one. */
  readonly approveForMs: number | undefined;
  /** Why two approvals are needed (the rule or the service), for messages. */
  readonly source: string | undefined;
}

export interface EvaluateOptions {
  readonly now: Date;
  /** Re-checking an already Approved connection: quotas limit new approvals only. */
  readonly ignoreQuota?: boolean;
}

/** First matching rule wins; otherwise the default. Pure: same inputs, same verdict. */
export function evaluateConnectionPolicy(
  policy: Policy,
  facts: ConnectionFacts,
  counts: ApprovedCounts,
  options: EvaluateOptions,
): Verdict {
  const verdict = firstMatch(policy, facts, counts, options);
  const code = facts.onboardingCode;
  // The code's check goes with the verdict into the audit, whichever rule decided.
  return code === undefined
    ? verdict
    : { ...verdict, onboardingCode: { result: code.valid ? 'valid' : code.reason, codeId: code.codeId } };
}

function firstMatch(
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
    const { action } = rule;
    const verdict =
      action === 'entitlement'
        ? entitlementVerdict(policy, rule, facts, options.now, skipped)
        : verdictFor(policy, rule, action, facts, options.now, skipped);
    return twoPersonRule(policy, rule, facts, options.now, verdict);
  }
  const action = policy.default.action;
  const reason =
    skipped.length === 0 || policy.rules.length === 0
      ? `no rule matched; default is ${action}`
      : `no rule matched (${skipped.map((s) => `${s.rule}: ${failedWords(s.failed, facts)}`).join(', ')}); default is ${action}`;
  const verdict = finish(
    policy,
    action,
    undefined,
    policy.default.description,
    facts,
    options.now,
    reason,
    skipped,
  );
  return twoPersonServiceOf(policy, facts) ? { ...verdict, approvalsRequired: 2 } : verdict;
}

/**
 * The two-person rule and `approveFor` on a rule's verdict. A Pending connection that needs two
 * approvals is never approved by the policy (that would be neither person): the verdict becomes
 * manual and says why. Only Pending is converted: an Approved connection re-checked under
 * enforceOnApproved keeps its approve verdict, or it would be revoked for needing two people.
 */
function twoPersonRule(
  policy: Policy,
  rule: CompiledRule,
  facts: ConnectionFacts,
  now: Date,
  verdict: Verdict,
): Verdict {
  const required = rule.approvals === 2 || twoPersonServiceOf(policy, facts) ? 2 : 1;
  if (required === 2 && verdict.action === 'approve' && facts.status === 'Pending') {
    return {
      ...verdict,
      action: 'manual',
      description: undefined,
      reason: `${verdict.reason}, but ${rule.approvals === 2 ? `rule ${rule.name}` : `service ${facts.plsName}`} needs two approvals by different people (two-person rule); left for people`,
      approvalsRequired: 2,
    };
  }
  const ends =
    // The provider's system's own end (an entitlement answer) wins over the rule's term.
    verdict.action === 'approve' && rule.approveForMs !== undefined && verdict.approvalEndsAt === undefined
      ? { approvalEndsAt: new Date(now.getTime() + rule.approveForMs).toISOString() }
      : {};
  return { ...verdict, ...ends, ...(required === 2 ? { approvalsRequired: 2 as const } : {}) };
}

function twoPersonServiceOf(policy: Policy, facts: ConnectionFacts): boolean {
  const services = policy.twoPersonServices;
  if (services === undefined) return false;
  return services.ids.has(facts.plsId.toLowerCase()) || services.names.some((p) => p.test(facts.plsName));
}

/**
 * The terms a person's approval is bound by: the first rule whose conditions hold (quotas are
 * ignored: they limit the policy's approvals, not which rule governs the connection), and the
 * service's own two-person setting. A connection no rule matches takes the service's setting only.
 */
export function approvalTermsOf(policy: Policy, facts: ConnectionFacts): ApprovalTerms {
  const none: ApprovedCounts = { bySubscription: () => 0, byTenant: () => 0 };
  const rule = policy.rules.find((r) => firstFailedCondition(r.match, facts, none, true) === undefined);
  if (rule?.approvals === 2)
    return { approvalsRequired: 2, approveForMs: rule.approveForMs, source: `rule ${rule.name}` };
  if (twoPersonServiceOf(policy, facts))
    return { approvalsRequired: 2, approveForMs: rule?.approveForMs, source: `service ${facts.plsName}` };
  return { approvalsRequired: 1, approveForMs: rule?.approveForMs, source: undefined };
}

/**
 * The rule whose action is `entitlement` that would decide this connection, if any: the connections
 * to ask before evaluating. Quotas count as used up here, so a connection that a quota-limited rule
 * might let through to the entitlement rule is asked too (asking once too often costs a call;
 * not asking would leave it for a person).
 */
export function entitlementRuleFor(policy: Policy, facts: ConnectionFacts): string | undefined {
  const quotasUsedUp: ApprovedCounts = {
    bySubscription: () => Number.POSITIVE_INFINITY,
    byTenant: () => Number.POSITIVE_INFINITY,
  };
  for (const rule of policy.rules) {
    if (firstFailedCondition(rule.match, facts, quotasUsedUp, false) !== undefined) continue;
    return rule.action === 'entitlement' ? rule.name : undefined;
  }
  return undefined;
}

/**
 * An `entitlement` rule matched: the provider's system's answer is the action. No answer, or one
 * that failed, is manual with the reason, and `error` set so that it never approves and never
 * revokes. The answer's description is written as given (already bounded and checked inert by the
 * answer schema), never rendered as a template; without one, the rule's description is rendered.
 */
function entitlementVerdict(
  policy: Policy,
  rule: CompiledRule,
  facts: ConnectionFacts,
  now: Date,
  skipped: readonly { rule: string; failed: Condition }[],
): Verdict {
  const base = { rule: rule.name, policyVersion: policy.version, skipped };
  const fact = facts.entitlement;
  if (fact === undefined || fact.outcome === 'failed') {
    const why =
      fact === undefined
        ? 'the entitlement check is asked only when reconciliation decides, not for this view'
        : `the entitlement check failed: ${fact.detail}`;
    return {
      ...base,
      action: 'manual',
      description: undefined,
      reason: `rule ${rule.name} matched, but ${why}; left for a person`,
      error: 'entitlement_unavailable',
    };
  }
  const customer = fact.customer === undefined ? {} : { customer: fact.customer };
  const reason = `rule ${rule.name} matched; the entitlement check answered ${fact.decision}`;
  if (fact.decision === 'manual')
    return { ...base, ...customer, action: 'manual', description: undefined, reason };
  const verdict =
    fact.description !== undefined
      ? { ...base, action: fact.decision, description: fact.description, reason }
      : finish(policy, fact.decision, rule.name, rule.description, facts, now, reason, skipped);
  return {
    ...verdict,
    ...customer,
    ...(verdict.action === 'approve' && fact.approvalEndsAt !== undefined
      ? { approvalEndsAt: fact.approvalEndsAt }
      : {}),
  };
}

function verdictFor(
  policy: Policy,
  rule: CompiledRule,
  action: PolicyAction,
  facts: ConnectionFacts,
  now: Date,
  skipped: readonly { rule: string; failed: Condition }[],
): Verdict {
  const code = rule.match.onboardingCode === 'valid' ? facts.onboardingCode : undefined;
  const customer = code?.valid === true ? code.customer : undefined;
  const verdict = finish(
    policy,
    action,
    rule.name,
    rule.description,
    facts,
    now,
    customer === undefined
      ? `rule ${rule.name} matched`
      : `rule ${rule.name} matched (onboarding code ${code?.codeId} for customer ${customer})`,
    skipped,
  );
  return customer === undefined ? verdict : { ...verdict, customer };
}

/** A skipped rule's failed condition as the reason says it: an onboarding code's says why (never the code). */
function failedWords(failed: Condition, facts: ConnectionFacts): string {
  if (failed !== 'onboardingCode') return failed;
  const code = facts.onboardingCode;
  return `onboardingCode ${code === undefined ? 'code_missing' : code.valid ? 'valid' : code.reason}`;
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

/**
 * Undefined when every condition holds. Missing facts never satisfy a condition, and never satisfy
 * an exclusion either: a `not: { consumerTenants: [...] }` does not hold for a connection whose
 * tenant is unknown (fail closed both ways).
 */
export function firstFailedCondition(
  match: CompiledMatch,
  facts: ConnectionFacts,
  counts: ApprovedCounts,
  ignoreQuota: boolean,
): Condition | undefined {
  for (const condition of FACT_CONDITIONS) {
    const held = conditionHolds(condition, match, facts);
    if (held === false || held === 'unknown') return condition;
  }
  if (match.not !== undefined) {
    for (const condition of FACT_CONDITIONS) {
      const excluded = conditionHolds(condition, match.not, facts);
      if (excluded === true || excluded === 'unknown') return `not.${condition}`;
    }
  }
  // After the conditions about the connection itself: a connection another condition rules out
  // is reported for that, not for its code.
  if (match.onboardingCode === 'valid' && facts.onboardingCode?.valid !== true) return 'onboardingCode';
  if (match.quota !== undefined && !ignoreQuota) {
    const { max, per } = match.quota;
    const key =
      per === 'subscription'
        ? facts.consumerSubscriptionId?.toLowerCase()
        : facts.consumerTenantId?.toLowerCase();
    if (key === undefined) return 'quota';
    const used = per === 'subscription' ? counts.bySubscription(key) : counts.byTenant(key);
    if (used >= max) return 'quota';
  }
  return undefined;
}

/** In the order they are checked (and reported in `skipped`). */
const FACT_CONDITIONS: readonly FactCondition[] = [
  'consumerSubscriptions',
  'consumerTenants',
  'privateEndpointResourceGroup',
  'privateEndpointName',
  'requestMessage',
  'privateEndpointLocation',
  'privateLinkService',
];

/**
 * `absent` when the rule does not state the condition; `unknown` when the fact it looks at is
 * missing (which neither satisfies it nor its negation); else whether it holds.
 */
function conditionHolds(
  condition: FactCondition,
  m: CompiledConditions,
  facts: ConnectionFacts,
): boolean | 'absent' | 'unknown' {
  switch (condition) {
    case 'consumerSubscriptions':
      return inSet(m.consumerSubscriptions, facts.consumerSubscriptionId?.toLowerCase());
    case 'consumerTenants':
      return inSet(m.consumerTenants, facts.consumerTenantId?.toLowerCase());
    case 'privateEndpointResourceGroup':
      return anyPattern(m.privateEndpointResourceGroup, facts.privateEndpointResourceGroup);
    case 'privateEndpointName':
      return anyPattern(m.privateEndpointName, facts.privateEndpointName);
    case 'requestMessage':
      // No message is an empty message: "no ticket" must hold for it.
      return m.requestMessage === undefined ? 'absent' : m.requestMessage.test(facts.requestMessage ?? '');
    case 'privateEndpointLocation': {
      const location = facts.privateEndpointLocation;
      return inSet(m.privateEndpointLocation, location === undefined ? undefined : normaliseRegion(location));
    }
    case 'privateLinkService': {
      if (m.privateLinkService === undefined) return 'absent';
      const { ids, names } = m.privateLinkService;
      return ids.has(facts.plsId.toLowerCase()) || names.some((p) => p.test(facts.plsName));
    }
  }
}

function inSet(
  set: ReadonlySet<string> | undefined,
  value: string | undefined,
): boolean | 'absent' | 'unknown' {
  if (set === undefined) return 'absent';
  return value === undefined ? 'unknown' : set.has(value);
}

function anyPattern(
  patterns: readonly NamePattern[] | undefined,
  value: string | undefined,
): boolean | 'absent' | 'unknown' {
  if (patterns === undefined) return 'absent';
  return value === undefined ? 'unknown' : patterns.some((p) => p.test(value));
}
