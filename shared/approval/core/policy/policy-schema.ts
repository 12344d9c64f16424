/*
 * The approval policy document. Every object is strict: an unknown key is an error, because a
 * typo (`consumerTenant:` for `consumerTenants:`) would otherwise silently drop a condition and
 * widen an approve rule to everyone.
 */
import { z } from 'zod';
import { isPlsId } from '../../../arm/resource-id';
import { type CrossCheck, duplicateKeyIssues } from '../../../config/document-checks';
import { checkTemplate, MAX_DESCRIPTION_LENGTH, PLACEHOLDERS } from './description-template';
import { parseIsoDuration } from './iso-duration';
import { compileMessageRegex, compileNamePattern, type PatternResult } from './pattern';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const ACTIONS = ['approve', 'reject', 'manual'] as const;
export type PolicyAction = (typeof ACTIONS)[number];
/**
 * What a rule may do: one of the actions, or `entitlement`: ask the provider's own system
 * (ENTITLEMENT_URL), whose answer is the action; no usable answer leaves the connection for a person.
 */
export const RULE_ACTIONS = [...ACTIONS, 'entitlement'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

const guidList = z.array(z.string().regex(GUID, 'expected a GUID')).min(1, 'expected at least one GUID');

/** Adds the compiler's own message (what is wrong, and what to write instead) at the field's path. */
function reportPattern(result: PatternResult<unknown>, ctx: z.RefinementCtx): void {
  if (!result.ok) ctx.addIssue({ code: 'custom', message: result.message });
}

const namePattern = z
  .string()
  .min(1, 'expected a non-empty pattern')
  .superRefine((p, ctx) => reportPattern(compileNamePattern(p), ctx));

const oneOrMore = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item).min(1, 'expected at least one entry')]);

const plsSelector = z
  .string()
  .min(1, 'expected a Private Link Service id or name pattern')
  .superRefine((p, ctx) => {
    if (p.startsWith('/')) {
      if (!isPlsId(p))
        ctx.addIssue({
          code: 'custom',
          message: 'expected a Private Link Service resource id or a name pattern (glob or /regex/)',
        });
      return;
    }
    reportPattern(compileNamePattern(p), ctx);
  });

const region = z.string().regex(/^[A-Za-z0-9 ]{2,40}$/, 'expected an Azure region name such as westeurope');

const template = z
  .string()
  .min(1, 'expected a non-empty description')
  .superRefine((text, ctx) => {
    const check = checkTemplate(text);
    for (const name of check.unknown) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown placeholder {${name}} (known: ${Object.keys(PLACEHOLDERS)
          .map((p) => `{${p}}`)
          .join(', ')})`,
      });
    }
    if (check.unknown.length === 0 && check.maxLength > MAX_DESCRIPTION_LENGTH) {
      ctx.addIssue({
        code: 'custom',
        message: `can render to ${check.maxLength} characters; ARM allows ${MAX_DESCRIPTION_LENGTH} (placeholders count at their longest)`,
      });
    }
  });

export const quotaSchema = z
  .object({
    max: z
      .number()
      .int('expected a whole number')
      .min(0, 'expected at least 0')
      .max(1000, 'expected at most 1000'),
    per: z.enum(['subscription', 'tenant'], { error: 'expected subscription or tenant' }),
  })
  .strict();

/** The conditions about the connection itself: usable in a match and, negated, in its `not:` block. */
const conditionShape = {
  consumerSubscriptions: guidList.optional(),
  consumerTenants: guidList.optional(),
  privateEndpointResourceGroup: oneOrMore(namePattern).optional(),
  privateEndpointName: oneOrMore(namePattern).optional(),
  requestMessage: z
    .string()
    .min(1, 'expected a regular expression')
    .superRefine((p, ctx) => reportPattern(compileMessageRegex(p), ctx))
    .optional(),
  privateEndpointLocation: oneOrMore(region).optional(),
  privateLinkService: oneOrMore(plsSelector).optional(),
};

/**
 * `not:` lists exclusions: the rule matches only when none of them holds ("not this tenant, and no
 * ticket in the message"). It replaces lookaround, which the linear-time engine cannot run.
 */
export const notSchema = z
  .object(conditionShape)
  .strict()
  .refine((block) => Object.values(block).some((v) => v !== undefined), 'expected at least one condition');

export const matchSchema = z
  .object({
    ...conditionShape,
    not: notSchema.optional(),
    quota: quotaSchema.optional(),
  })
  .strict();

/** `approveFor`: how long an approval by this rule lasts (ISO 8601 duration), parsed strictly. */
const approveFor = z
  .string({ error: 'expected an ISO 8601 duration such as P30D' })
  .superRefine((text, ctx) => {
    const parsed = parseIsoDuration(text);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
  });

/** How many different people must approve (the two-person rule); 1 is the ordinary case. */
const approvals = z.union([z.literal(1), z.literal(2)], {
  error: 'expected 1 or 2 (people who must approve)',
});

export const ruleSchema = z
  .object({
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$/,
        'expected 1-48 letters, digits, dots, dashes or underscores, starting with a letter or digit',
      ),
    action: z.enum(RULE_ACTIONS, { error: 'expected approve, reject, manual or entitlement' }),
    description: template.optional(),
    match: matchSchema.default({}),
    approveFor: approveFor.optional(),
    approvals: approvals.optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.approveFor !== undefined && rule.action === 'reject') {
      ctx.addIssue({
        code: 'custom',
        path: ['approveFor'],
        message: 'approveFor sets when an approval ends, so it is allowed on approve and manual rules only',
      });
    }
    if (rule.approvals === 2 && rule.action === 'reject') {
      ctx.addIssue({
        code: 'custom',
        path: ['approvals'],
        message: 'a single rejection decides; two approvals apply to approve and manual rules only',
      });
    }
    if (rule.match.quota !== undefined && rule.action !== 'approve') {
      ctx.addIssue({
        code: 'custom',
        path: ['match', 'quota'],
        message: 'a quota limits approvals, so it is allowed on approve rules only',
      });
    }
  });

export const policySchema = z
  .object({
    version: z.literal(1, { error: 'expected 1 (the policy format version)' }),
    enforceOnApproved: z.boolean({ error: 'expected true or false' }).default(false),
    rules: z.array(ruleSchema).default([]),
    /** Private Link Services (ids or name patterns) whose connections need two approvals by different people. */
    twoPersonServices: z.array(plsSelector).min(1, 'expected at least one Private Link Service').optional(),
    // Approving is never the fallback: approving everyone must be a visible rule, not a default.
    default: z
      .object({
        action: z.enum(['reject', 'manual'], {
          error: 'expected reject or manual (approving by default is not allowed; write an explicit rule)',
        }),
        description: template.optional(),
      })
      .strict(),
  })
  .strict()
  .superRefine((policy, ctx) => {
    const seen = new Map<string, number>();
    policy.rules.forEach((rule, index) => {
      const key = rule.name.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', index, 'name'],
          message: duplicateRuleMessage(first),
        });
      } else seen.set(key, index);
    });
  });

function duplicateRuleMessage(firstIndex: number): string {
  return `duplicate rule name (also rules[${firstIndex}].name)`;
}

/** Duplicate rule names found on the raw document, so they are listed with every other problem. */
export const policyCrossCheck: CrossCheck = (raw) =>
  duplicateKeyIssues(
    raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>).rules : undefined,
    'rules',
    'name',
    (_, first) => duplicateRuleMessage(first),
  );

export type PolicyDocument = z.output<typeof policySchema>;
export type RuleDocument = z.output<typeof ruleSchema>;
export type MatchDocument = z.output<typeof matchSchema>;
export type NotDocument = z.output<typeof notSchema>;
