/*
 * Limits on a policy sent in a request (the dry run's draft), checked on the raw document before any
 * pattern is compiled. A reader may send one; the policy file is written by the operators and is not
 * held to them. Each limit is far above what a hand-written policy needs, and together they bound
 * what one draft can cost to compile and match (bench/evaluate-attack.ts measures it).
 */
import type { FieldIssue } from '../../../errors';
import { expandedPatternSize } from '../../../regex/pattern-size';
import { patternRegexSource } from './pattern';

export const DRAFT_LIMITS = {
  /** Rules in one draft. */
  maxRules: 200,
  /** Patterns (every name pattern and request-message regex, `not:` blocks included) in one draft. */
  maxPatterns: 400,
  /** Characters of one pattern as written. */
  maxPatternLength: 500,
  /** Compiled size of one pattern: atoms times the counted repetitions around them (`\pL{1,1000}` is 1000). */
  maxPatternSize: 1_000,
  /** Compiled size of every pattern of the draft together. */
  maxTotalSize: 5_000,
} as const;

/**
 * The condition fields that hold patterns: name patterns (glob or /regex/) and the message regex.
 * Every other key of a match is listed in CONDITIONS_WITHOUT_PATTERNS; a test holds the two lists to
 * the policy schema, so a new condition must be placed in one of them.
 */
export const PATTERN_FIELDS: readonly (readonly [field: string, kind: 'name' | 'message'])[] = [
  ['privateEndpointResourceGroup', 'name'],
  ['privateEndpointName', 'name'],
  ['privateLinkService', 'name'],
  ['requestMessage', 'message'],
];

/** The keys of a match that hold no pattern (GUIDs, regions, numbers, nested blocks read on their own). */
export const CONDITIONS_WITHOUT_PATTERNS: readonly string[] = [
  'consumerSubscriptions',
  'consumerTenants',
  'privateEndpointLocation',
  'not',
  'quota',
];

/** One pattern of a draft, where it is (`rules[3].match.requestMessage`) and how it compiles. */
export interface DraftPattern {
  readonly path: string;
  readonly text: string;
  readonly kind: 'name' | 'message';
  /** expandedPatternSize of the source RE2 compiles. */
  readonly size: number;
}

export interface DraftCheck {
  readonly issues: readonly FieldIssue[];
  /** Every pattern found, in document order (what the caller compiles when there are no issues). */
  readonly patterns: readonly DraftPattern[];
}

/**
 * Checks a draft's raw (unvalidated) document against DRAFT_LIMITS. Copes with any shape: what is
 * not where a pattern belongs is left to the policy schema, which reports it with every other problem.
 */
export function checkDraftLimits(raw: unknown): DraftCheck {
  const issues: FieldIssue[] = [];
  const rules = recordOf(raw)?.rules;
  if (!Array.isArray(rules)) return { issues, patterns: [] };
  if (rules.length > DRAFT_LIMITS.maxRules) {
    issues.push({
      path: 'rules',
      message: `expected at most ${DRAFT_LIMITS.maxRules} rules in a policy sent for a dry run (got ${rules.length})`,
    });
  }
  const patterns: DraftPattern[] = [];
  rules.forEach((rule, index) => {
    const match = recordOf(recordOf(rule)?.match);
    if (match === undefined) return;
    patterns.push(...patternsOf(match, `rules[${index}].match`));
    const not = recordOf(match.not);
    if (not !== undefined) patterns.push(...patternsOf(not, `rules[${index}].match.not`));
  });
  if (patterns.length > DRAFT_LIMITS.maxPatterns) {
    issues.push({
      path: 'rules',
      message: `expected at most ${DRAFT_LIMITS.maxPatterns} patterns in a policy sent for a dry run (got ${patterns.length})`,
    });
  }
  let total = 0;
  for (const pattern of patterns) {
    if (pattern.text.length > DRAFT_LIMITS.maxPatternLength) {
      issues.push({
        path: pattern.path,
        message: `expected a pattern of at most ${DRAFT_LIMITS.maxPatternLength} characters in a dry run (got ${pattern.text.length})`,
      });
      continue;
    }
    if (pattern.size > DRAFT_LIMITS.maxPatternSize) {
      issues.push({
        path: pattern.path,
        message: `expected a pattern whose counted repetitions expand to at most ${DRAFT_LIMITS.maxPatternSize} atoms in a dry run (this one expands to ${pattern.size}; use + or * instead of a large {n,m})`,
      });
      continue;
    }
    total += pattern.size;
    if (total > DRAFT_LIMITS.maxTotalSize) {
      issues.push({
        path: pattern.path,
        message: `expected the patterns of a dry run to expand to at most ${DRAFT_LIMITS.maxTotalSize} atoms together (reached ${total} here); use fewer or smaller counted repetitions`,
      });
      break;
    }
  }
  return { issues, patterns };
}

function patternsOf(conditions: Record<string, unknown>, path: string): DraftPattern[] {
  const out: DraftPattern[] = [];
  for (const [field, kind] of PATTERN_FIELDS) {
    const value = conditions[field];
    const list = Array.isArray(value) ? value : [value];
    list.forEach((text, index) => {
      // Resource ids (`/subscriptions/...`) are compared, not compiled.
      if (typeof text !== 'string' || (field === 'privateLinkService' && text.startsWith('/'))) return;
      const where = Array.isArray(value) ? `${path}.${field}[${index}]` : `${path}.${field}`;
      out.push({ path: where, text, kind, size: expandedPatternSize(patternRegexSource(text, kind)) });
    });
  }
  return out;
}

function recordOf(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
