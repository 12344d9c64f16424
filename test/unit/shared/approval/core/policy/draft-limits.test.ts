import { describe, expect, it } from 'vitest';
import {
  CONDITIONS_WITHOUT_PATTERNS,
  checkDraftLimits,
  DRAFT_LIMITS,
  PATTERN_FIELDS,
} from '../../../../../../shared/approval/core/policy/draft-limits';
import { matchSchema } from '../../../../../../shared/approval/core/policy/policy-schema';

const rule = (match: Record<string, unknown>, name = 'r') => ({ name, action: 'approve', match });
const draft = (...rules: unknown[]) => ({ version: 1, rules, default: { action: 'manual' } });

describe('checkDraftLimits', () => {
  it('knows every key of a match: a new condition holding patterns must be limited too', () => {
    const known = [...PATTERN_FIELDS.map(([field]) => field), ...CONDITIONS_WITHOUT_PATTERNS];
    expect([...known].sort()).toEqual(Object.keys(matchSchema.shape).sort());
  });

  it('finds every pattern with its path, not: blocks and lists included, and skips resource ids', () => {
    const check = checkDraftLimits(
      draft(
        rule({
          privateEndpointName: ['pe-*', '/^pe-\\d{3}$/'],
          privateEndpointResourceGroup: 'rg-*',
          privateLinkService: [
            '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/p',
            'pls-*',
          ],
          requestMessage: 'CHG\\d{7}',
          not: { requestMessage: 'test' },
        }),
      ),
    );
    expect(check.issues).toEqual([]);
    expect(check.patterns.map((p) => [p.path, p.size])).toEqual([
      ['rules[0].match.privateEndpointResourceGroup', 6],
      ['rules[0].match.privateEndpointName[0]', 6],
      ['rules[0].match.privateEndpointName[1]', 8],
      ['rules[0].match.privateLinkService[1]', 7],
      ['rules[0].match.requestMessage', 10],
      ['rules[0].match.not.requestMessage', 4],
    ]);
  });

  it('accepts a pattern at the size limit and names one past it', () => {
    const at = checkDraftLimits(draft(rule({ requestMessage: `\\pL{1,${DRAFT_LIMITS.maxPatternSize}}` })));
    expect(at.issues).toEqual([]);
    const past = checkDraftLimits(
      draft(rule({}), rule({ not: { requestMessage: `a\\pL{1,${DRAFT_LIMITS.maxPatternSize}}` } }, 's')),
    );
    expect(past.issues).toEqual([
      {
        path: 'rules[1].match.not.requestMessage',
        message: expect.stringMatching(/at most 1000 atoms.*expands to 1001/),
      },
    ]);
  });

  it('names the pattern at which the draft passes its total size', () => {
    const each = DRAFT_LIMITS.maxPatternSize;
    const count = DRAFT_LIMITS.maxTotalSize / each;
    const rules = Array.from({ length: count }, (_, i) => rule({ requestMessage: `a{${each}}` }, `r${i}`));
    expect(checkDraftLimits(draft(...rules)).issues).toEqual([]);
    const over = checkDraftLimits(draft(...rules, rule({ privateEndpointName: 'x' }, 'last')));
    expect(over.issues).toEqual([
      {
        path: `rules[${count}].match.privateEndpointName`,
        message: expect.stringMatching(/5000 atoms together/),
      },
    ]);
  });

  it('refuses more rules, more patterns and longer patterns than a draft may hold', () => {
    const many = Array.from({ length: DRAFT_LIMITS.maxRules + 1 }, (_, i) => rule({}, `r${i}`));
    expect(checkDraftLimits(draft(...many)).issues).toEqual([
      { path: 'rules', message: expect.stringMatching(/at most 200 rules.*got 201/) },
    ]);
    const names = Array.from({ length: DRAFT_LIMITS.maxPatterns + 1 }, (_, i) => `pe-${i}`);
    expect(checkDraftLimits(draft(rule({ privateEndpointName: names }))).issues).toEqual([
      { path: 'rules', message: expect.stringMatching(/at most 400 patterns.*got 401/) },
    ]);
    const long = 'a'.repeat(DRAFT_LIMITS.maxPatternLength + 1);
    expect(checkDraftLimits(draft(rule({ requestMessage: long }))).issues).toEqual([
      {
        path: 'rules[0].match.requestMessage',
        message: expect.stringMatching(/at most 500 characters.*got 501/),
      },
    ]);
    expect(checkDraftLimits(draft(rule({ requestMessage: long.slice(1) }))).issues).toEqual([]);
  });

  it('leaves any other shape to the schema', () => {
    for (const raw of [
      null,
      'text',
      42,
      [],
      { rules: 'x' },
      { rules: [null, 1, { match: [] }, { match: { requestMessage: 5 } }] },
    ])
      expect(checkDraftLimits(raw)).toEqual({ issues: [], patterns: [] });
  });
});
