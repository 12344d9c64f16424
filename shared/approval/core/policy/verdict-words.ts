/**
 * A policy verdict's reason in words for people (chat messages, the dashboard's text). The reason
 * as evaluated (`no rule matched (require-ticket: not.requestMessage, trusted-tenant:
 * consumerTenants); default is manual`) is the rule trace: it stays in the audit rows and the API,
 * where tools and the policy's author read it. Pure; a reason in no known shape is returned as is.
 * It imports nothing (the dashboard's browser bundle uses it too): the condition names are those of
 * `Condition` in ./evaluate-policy.ts, and a test holds the two lists together.
 */

/** The conditions about the connection itself (`FactCondition` in ./evaluate-policy.ts). */
type FactCondition =
  | 'consumerSubscriptions'
  | 'consumerTenants'
  | 'privateEndpointResourceGroup'
  | 'privateEndpointName'
  | 'requestMessage'
  | 'privateEndpointLocation'
  | 'privateLinkService';
type Condition = FactCondition | `not.${FactCondition}` | 'quota' | 'onboardingCode';
const WHAT_FAILED: Record<FactCondition, string> = {
  consumerSubscriptions: "the consumer's subscription is not on its list",
  consumerTenants: "the consumer's tenant is not one it trusts",
  privateEndpointResourceGroup: "the private endpoint's resource group is not one it names",
  privateEndpointName: "the private endpoint's name is not one it names",
  requestMessage: 'the request message does not match the pattern it requires',
  privateEndpointLocation: 'the private endpoint is in a region it does not name',
  privateLinkService: 'the connection is for a Private Link Service it does not name',
};

const WHAT_EXCLUDED: Record<FactCondition, string> = {
  consumerSubscriptions: "the consumer's subscription is one it excludes",
  consumerTenants: "the consumer's tenant is one it excludes",
  privateEndpointResourceGroup: "the private endpoint's resource group is one it excludes",
  privateEndpointName: "the private endpoint's name is one it excludes",
  requestMessage: 'the request message matches the pattern it excludes',
  privateEndpointLocation: 'the private endpoint is in a region it excludes',
  privateLinkService: 'the connection is for a Private Link Service it excludes',
};

/** Why an onboarding code did not hold (the reason codes of ../onboarding-code-rules.ts; never the code). */
const CODE_REASONS: Record<string, string> = {
  code_missing: 'the request message carries no onboarding code',
  code_invalid: 'the onboarding code in the request message is not one we signed',
  code_ambiguous: 'the request message carries more than one onboarding code',
  code_expired: 'the onboarding code has expired',
  code_revoked: 'the onboarding code was revoked',
  code_exhausted: 'the onboarding code has been used for as many connections as it allows',
  code_wrong_pls: 'the onboarding code was issued for another Private Link Service',
  code_unchecked: 'the onboarding code could not be checked',
  code_keys_missing: 'onboarding codes are not configured',
};

const DEFAULT_OUTCOME: Record<string, string> = {
  manual: 'so it waits for a person',
  approve: 'so the default approves it',
  reject: 'so the default rejects it',
};

/** Why one rule did not match, as a clause. */
export function conditionInWords(condition: string): string {
  if (condition === 'quota') return 'the consumer already has as many approved connections as it allows';
  if (condition === 'onboardingCode' || condition.startsWith('onboardingCode ')) {
    const reason = condition.slice('onboardingCode '.length);
    return CODE_REASONS[reason] ?? 'the request message carries no valid onboarding code';
  }
  if (condition.startsWith('not.')) return WHAT_EXCLUDED[condition.slice(4) as FactCondition] ?? condition;
  return WHAT_FAILED[condition as FactCondition] ?? condition;
}

/** Every condition the words know (for the test that holds them to the evaluator's). */
export function knownConditions(): readonly Condition[] {
  const facts = Object.keys(WHAT_FAILED) as FactCondition[];
  return [...facts, ...facts.map((f) => `not.${f}` as const), 'quota', 'onboardingCode'];
}

const NO_RULE = /^no rule matched(?: \((.*)\))?; default is (approve|reject|manual)(.*)$/s;
const RULE_MATCHED = /^rule (.+?) matched(.*)$/s;

export function verdictInWords(reason: string): string {
  const none = NO_RULE.exec(reason);
  if (none !== null) {
    const [, trace, action = 'manual', rest = ''] = none;
    const clauses = (trace ?? '')
      .split(', ')
      .map((part) => /^(.+): ((?:not\.)?[A-Za-z]+|quota|onboardingCode [a-z_]+)$/.exec(part))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `rule ${m[1]}: ${conditionInWords(m[2] ?? '')}`);
    const why = clauses.length === 0 ? 'no rule matched' : `no rule matched (${clauses.join('; ')})`;
    return sentence(`${why}, ${DEFAULT_OUTCOME[action] ?? `so the default is ${action}`}${rest}`);
  }
  const matched = RULE_MATCHED.exec(reason);
  if (matched !== null) return sentence(`rule ${matched[1]} matched${matched[2] ?? ''}`);
  return reason;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return `${trimmed.charAt(0).toUpperCase()}${trimmed.slice(1)}${/[.!?]$/.test(trimmed) ? '' : '.'}`;
}
