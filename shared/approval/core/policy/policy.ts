import { createHash } from 'node:crypto';
import type { LinearRegex } from '../../../regex/linear-regex';
import { parseIsoDuration } from './iso-duration';
import { compileMessageRegex, compileNamePattern, type NamePattern } from './pattern';
import type { MatchDocument, NotDocument, PolicyDocument, RuleAction, RuleDocument } from './policy-schema';

/** A loaded policy, ready to evaluate: patterns compiled, version computed. */
export interface Policy {
  /** Short SHA-256 of the normalised document: the same rules give the same version whatever the formatting. */
  readonly version: string;
  readonly enforceOnApproved: boolean;
  readonly rules: readonly CompiledRule[];
  /** PLS whose connections need two approvals by different people (`twoPersonServices`). */
  readonly twoPersonServices: CompiledConditions['privateLinkService'];
  readonly default: { readonly action: 'reject' | 'manual'; readonly description: string | undefined };
}

export interface CompiledRule {
  readonly name: string;
  /** `entitlement`: the provider's system answers the action (evaluate-policy.ts). */
  readonly action: RuleAction;
  readonly description: string | undefined;
  readonly match: CompiledMatch;
  /** How long an approval by this rule lasts (`approveFor`, in ms); undefined: no end. */
  readonly approveForMs: number | undefined;
  /** People who must approve (`approvals`): 2 is the two-person rule. */
  readonly approvals: 1 | 2;
}

/** The conditions about the connection itself (everything but the quota). */
export interface CompiledConditions {
  /** Lower-cased GUIDs. */
  readonly consumerSubscriptions: ReadonlySet<string> | undefined;
  readonly consumerTenants: ReadonlySet<string> | undefined;
  readonly privateEndpointResourceGroup: readonly NamePattern[] | undefined;
  readonly privateEndpointName: readonly NamePattern[] | undefined;
  readonly requestMessage: LinearRegex | undefined;
  /** Normalised region names (lower case, no spaces). */
  readonly privateEndpointLocation: ReadonlySet<string> | undefined;
  readonly privateLinkService:
    | { readonly ids: ReadonlySet<string>; readonly names: readonly NamePattern[] }
    | undefined;
}

export interface CompiledMatch extends CompiledConditions {
  /** Exclusions: the rule matches only when none of these holds. */
  readonly not: CompiledConditions | undefined;
  readonly quota: { readonly max: number; readonly per: 'subscription' | 'tenant' } | undefined;
}

export const DEFAULT_DESCRIPTIONS = {
  approve: 'Approved by policy rule {rule} on {date}',
  reject: 'Rejected by policy rule {rule} on {date}',
} as const;

/** ARM writes region names both ways ("West Europe" and "westeurope"). */
export function normaliseRegion(region: string): string {
  return region.replace(/\s+/g, '').toLowerCase();
}

export function policyVersionOf(document: PolicyDocument): string {
  return createHash('sha256').update(canonicalJson(document)).digest('hex').slice(0, 12);
}

/** Turns a validated document into a Policy. The schema has already proven every pattern compiles. */
export function compilePolicy(document: PolicyDocument): Policy {
  return {
    version: policyVersionOf(document),
    enforceOnApproved: document.enforceOnApproved,
    rules: document.rules.map(compileRule),
    twoPersonServices: plsSelectors(document.twoPersonServices),
    default: { action: document.default.action, description: document.default.description },
  };
}

function compileRule(rule: RuleDocument): CompiledRule {
  const m = rule.match;
  return {
    name: rule.name,
    action: rule.action,
    description: rule.description,
    match: {
      ...compileConditions(m),
      not: m.not === undefined ? undefined : compileConditions(m.not),
      quota: m.quota,
    },
    approveForMs: rule.approveFor === undefined ? undefined : mustParseDuration(rule.approveFor),
    approvals: rule.approvals ?? 1,
  };
}

function mustParseDuration(text: string): number {
  const parsed = parseIsoDuration(text);
  if (!parsed.ok) throw new Error(`duration ${text} passed the schema but does not parse`);
  return parsed.ms;
}

function plsSelectors(
  selectors: string | readonly string[] | undefined,
): CompiledConditions['privateLinkService'] {
  if (selectors === undefined) return undefined;
  return {
    ids: new Set(
      asList(selectors)
        .filter((s) => s.startsWith('/'))
        .map((s) => s.toLowerCase()),
    ),
    names: patterns(asList(selectors).filter((s) => !s.startsWith('/'))) ?? [],
  };
}

function compileConditions(m: MatchDocument | NotDocument): CompiledConditions {
  return {
    consumerSubscriptions: lowerSet(m.consumerSubscriptions),
    consumerTenants: lowerSet(m.consumerTenants),
    privateEndpointResourceGroup: patterns(m.privateEndpointResourceGroup),
    privateEndpointName: patterns(m.privateEndpointName),
    requestMessage: m.requestMessage === undefined ? undefined : mustCompileRegex(m.requestMessage),
    privateEndpointLocation:
      m.privateEndpointLocation === undefined
        ? undefined
        : new Set(asList(m.privateEndpointLocation).map(normaliseRegion)),
    privateLinkService: plsSelectors(m.privateLinkService),
  };
}

function asList<T>(value: T | readonly T[]): readonly T[] {
  return Array.isArray(value) ? value : [value as T];
}

function lowerSet(values: readonly string[] | undefined): ReadonlySet<string> | undefined {
  return values === undefined ? undefined : new Set(values.map((v) => v.toLowerCase()));
}

function patterns(values: string | readonly string[] | undefined): NamePattern[] | undefined {
  if (values === undefined) return undefined;
  return asList(values).map((source) => {
    const pattern = compileNamePattern(source);
    if (!pattern.ok) throw new Error(`pattern ${source} passed the schema but does not compile`);
    return pattern.value;
  });
}

function mustCompileRegex(source: string): LinearRegex {
  const regex = compileMessageRegex(source);
  if (!regex.ok) throw new Error(`regex ${source} passed the schema but does not compile`);
  return regex.value;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
