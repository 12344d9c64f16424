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
  /** Set when the verdict was forced to manual because the description could not be rendered. */
  readonly error?: 'description_too_long';
  /**
   * The customer the connection belongs to, when the deciding rule knows one (a valid onboarding
   * code binds the connection to the customer it was issued for). Inert text.
   */
  readonly customer?: string | undefined;
  /** The onboarding code's check when a rule looked at it: `valid` or the reason code, with the code's id. */
  readonly onboardingCode?: { readonly result: string; readonly codeId: string | undefined } | undefined;
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
    return verdictFor(policy, rule, facts, options.now, skipped);
  }
  const action = policy.default.action;
  const reason =
    skipped.length === 0 || policy.rules.length === 0
      ? `no rule matched; default is ${action}`
      : `no rule matched (${skipped.map((s) => `${s.rule}: ${failedWords(s.failed, facts)}`).join(', ')}); default is ${action}`;
  return finish(policy, action, undefined, policy.default.description, facts, options.now, reason, skipped);
}

function verdictFor(
  policy: Policy,
  rule: CompiledRule,
  facts: ConnectionFacts,
  now: Date,
  skipped: readonly { rule: string; failed: Condition }[],
): Verdict {
  const code = rule.match.onboardingCode === 'valid' ? facts.onboardingCode : undefined;
  const customer = code?.valid === true ? code.customer : undefined;
  const verdict = finish(
    policy,
    rule.action,
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
