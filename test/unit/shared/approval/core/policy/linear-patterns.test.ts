import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../../../../shared/approval/adapters/policy-loader';
import { evaluateConnectionPolicy } from '../../../../../../shared/approval/core/policy/evaluate-policy';
import { compileLinearRegex, unsupportedSyntax } from '../../../../../../shared/regex/linear-regex';
import { appErrorOf } from '../../../../../helpers/app-errors';
import { CATASTROPHIC_PATTERNS } from '../../../../../helpers/catastrophic-patterns';
import { counts, facts, NOW, OTHER_TENANT, TRUSTED_TENANT } from './policy-fixtures';

function policyWith(match: string, action = 'reject'): ReturnType<typeof parsePolicy> {
  return parsePolicy(`
version: 1
default: { action: manual }
rules:
  - name: r
    action: ${action}
    match: ${match}
`);
}

describe('user-written patterns run in linear time (RE2)', () => {
  it.each(CATASTROPHIC_PATTERNS)(
    '%s against a 5,000-character hostile message answers at once',
    (pattern) => {
      const policy = policyWith(`{ requestMessage: ${JSON.stringify(pattern)} }`);
      const hostile = `${'a'.repeat(4_999)}!`;
      const started = performance.now();
      const verdict = evaluateConnectionPolicy(policy, facts({ requestMessage: hostile }), counts(), {
        now: NOW,
      });
      // A backtracking engine needs years here; RE2 needs well under a millisecond per pattern. The
      // bound is generous (CI machines are shared); bench/policy-patterns.ts measures the real figure.
      expect(performance.now() - started).toBeLessThan(500);
      expect(verdict.action).toBe('manual');
    },
  );

  it('the reported attack (^(a+)+$, "a"×29 + "!") is decided in far less than a second', () => {
    const policy = policyWith('{ requestMessage: "^(a+)+$" }');
    const started = performance.now();
    for (let i = 0; i < 100; i++) {
      evaluateConnectionPolicy(policy, facts({ requestMessage: `${'a'.repeat(29)}!` }), counts(), {
        now: NOW,
      });
    }
    // 100 evaluations; the backtracking engine took 25.8 s for one.
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it.each([
    ['(?=x)', 'lookahead'],
    ['^(?![\\\\s\\\\S]*CHG\\\\d{7})', 'negative lookahead'],
    ['(?<=a)b', 'lookbehind'],
    ['(?<!a)b', 'negative lookbehind'],
  ])('refuses %s at load time, naming the path and saying what to write instead', (pattern, name) => {
    const error = appErrorOf(() => policyWith(`{ requestMessage: "${pattern}" }`));
    expect(error.code).toBe('policy_invalid');
    expect(error.issues).toEqual([
      {
        path: 'rules[0].match.requestMessage',
        message: expect.stringMatching(new RegExp(`^${name} .* is not supported .*\\bnot:`)),
      },
    ]);
  });

  it.each([
    ['(a)\\\\1', 'backreference \\1'],
    ['(?<n>a)\\\\k<n>', 'named backreference'],
  ])('refuses the backreference %s at load time', (pattern, name) => {
    const error = appErrorOf(() => policyWith(`{ privateEndpointName: "/${pattern}/" }`));
    expect(error.issues).toEqual([
      {
        path: 'rules[0].match.privateEndpointName',
        message: expect.stringContaining(`${name}`),
      },
    ]);
    expect(error.issues[0]?.message).toContain("repeat the group's pattern instead");
  });

  it('keeps the JS spellings people write: flags, \\d, classes, named groups, \\u escapes', () => {
    const cases: [string, string, string, boolean][] = [
      ['CHG\\d{7}', '', 'ticket CHG0012345', true],
      ['chg\\d{7}', 'i', 'ticket CHG0012345', true],
      ['chg\\d{7}', '', 'ticket CHG0012345', false],
      ['^a.b$', 's', 'a\nb', true],
      ['^b$', 'm', 'a\nb', true],
      ['^(?<ticket>CHG)\\d+$', '', 'CHG1', true],
      ['\\u0041', '', 'A', true],
      ['[\\s\\S]*', 'gu', 'x', true],
      ['a\\(b', '', 'a(b', true],
    ];
    for (const [source, flags, value, expected] of cases) {
      const compiled = compileLinearRegex(source, flags);
      if (!compiled.ok) throw new Error(`${source}: ${compiled.message}`);
      expect(compiled.regex.test(value), `${source}/${flags} on ${value}`).toBe(expected);
    }
  });

  it('does not mistake escaped or in-class parentheses for lookaround', () => {
    expect(unsupportedSyntax('\\(?=x')).toBeUndefined();
    expect(unsupportedSyntax('[(?=]x')).toBeUndefined();
    expect(unsupportedSyntax('[\\]](?=x)')?.lookaround).toBe(true);
  });

  it('globs still match whole names, ignoring case', () => {
    const policy = policyWith('{ privateEndpointName: "pe-*-0?" }', 'approve');
    const verdictFor = (name: string) =>
      evaluateConnectionPolicy(policy, facts({ privateEndpointName: name }), counts(), { now: NOW }).action;
    expect(verdictFor('PE-web-01')).toBe('approve');
    expect(verdictFor('xpe-web-01')).toBe('manual');
    expect(verdictFor('pe-web-011')).toBe('manual');
  });
});

describe('the not: block (explicit negation instead of lookahead)', () => {
  it('"no ticket": the rule matches when the excluded pattern does not', () => {
    const policy = policyWith('{ not: { requestMessage: "CHG\\\\d{7}" } }');
    const decide = (message: string | undefined) =>
      evaluateConnectionPolicy(policy, facts({ requestMessage: message }), counts(), { now: NOW });
    expect(decide('please approve').action).toBe('reject');
    expect(decide(undefined).action).toBe('reject');
    const withTicket = decide('ticket CHG0012345');
    expect(withTicket.action).toBe('manual');
    expect(withTicket.skipped).toEqual([{ rule: 'r', failed: 'not.requestMessage' }]);
  });

  it('every exclusion must fail to hold; positive conditions still all hold', () => {
    const policy = policyWith(
      `{ requestMessage: "CHG", not: { consumerTenants: [${OTHER_TENANT}], privateEndpointName: "pe-test-*" } }`,
      'approve',
    );
    const decide = (overrides: Parameters<typeof facts>[0]) =>
      evaluateConnectionPolicy(policy, facts(overrides), counts(), { now: NOW }).action;
    expect(decide({ consumerTenantId: TRUSTED_TENANT })).toBe('approve');
    expect(decide({ consumerTenantId: OTHER_TENANT })).toBe('manual');
    expect(decide({ privateEndpointName: 'pe-test-1' })).toBe('manual');
    expect(decide({ requestMessage: 'no' })).toBe('manual');
  });

  it('an unknown fact satisfies no exclusion (fail closed: an undiscovered tenant is not "not Contoso")', () => {
    const policy = policyWith(`{ not: { consumerTenants: [${OTHER_TENANT}] } }`, 'approve');
    const verdict = evaluateConnectionPolicy(policy, facts({ consumerTenantId: undefined }), counts(), {
      now: NOW,
    });
    expect(verdict.action).toBe('manual');
    expect(verdict.skipped).toEqual([{ rule: 'r', failed: 'not.consumerTenants' }]);
  });

  it('is strict: no quota, no unknown keys, not empty', () => {
    const error = appErrorOf(() =>
      policyWith('{ not: { quota: { max: 1, per: subscription } } }', 'approve'),
    );
    expect(error.issues.map((i) => i.path)).toContain('rules[0].match.not');
    const empty = appErrorOf(() => policyWith('{ not: {} }'));
    expect(empty.issues).toEqual([
      { path: 'rules[0].match.not', message: 'expected at least one condition' },
    ]);
  });

  it('a version 1 policy without lookaround keeps its version hash (the new key is optional)', () => {
    const text = `
version: 1
default: { action: manual }
rules:
  - name: trusted
    action: approve
    match: { consumerTenants: [${TRUSTED_TENANT}], requestMessage: "CHG\\\\d{7}" }
`;
    // Pinned before the engine changed: the same document gives the same version.
    expect(parsePolicy(text).version).toBe(PINNED_VERSION);
  });

  it('the shipped sample uses not: and decides as its header says', () => {
    const sample = readFileSync(join(__dirname, '../../../../../../approval-policy.sample.yaml'), 'utf8');
    expect(sample).not.toMatch(/\(\?[!=]/);
    const policy = parsePolicy(sample);
    const noTicket = evaluateConnectionPolicy(
      policy,
      facts({ consumerTenantId: 'dddddddd-0000-0000-0000-000000000004', requestMessage: 'please' }),
      counts(),
      { now: NOW },
    );
    expect(noTicket).toMatchObject({ action: 'reject', rule: 'require-ticket' });
  });
});

const PINNED_VERSION = 'cb41c59c28f8';
