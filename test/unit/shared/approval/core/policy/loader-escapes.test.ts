import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../../../../shared/approval/adapters/policy-loader';
import { parseProbeTargets } from '../../../../../../shared/probe/adapters/targets';
import { appErrorOf } from '../../../../../helpers/app-errors';

/** 51 uses of one anchor: one more than the loader allows. */
function aliasBomb(list: string): string {
  const uses = Array.from({ length: 51 }, () => '*a').join(', ');
  return `x: &a [1]\n${list}: [${uses}]\n`;
}

describe('the document loaders never let an exception escape', () => {
  it('an alias bomb in a policy is policy_invalid with the problem listed, not a raw ReferenceError', () => {
    const error = appErrorOf(() =>
      parsePolicy(`version: 1\ndefault: { action: manual }\n${aliasBomb('rules')}`),
    );
    expect(error.code).toBe('policy_invalid');
    expect(error.issues).toEqual([
      { path: '(document)', message: expect.stringContaining('too many alias uses') },
    ]);
  });

  it('an alias bomb in probe targets is config_invalid', () => {
    const error = appErrorOf(() => parseProbeTargets(aliasBomb('targets')));
    expect(error.code).toBe('config_invalid');
    expect(error.issues[0]?.message).toContain('too many alias uses');
  });

  it('a billion-laughs document fails fast and listed', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      levels.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const started = performance.now();
    const error = appErrorOf(() => parsePolicy(levels.join('\n')));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error.code).toBe('policy_invalid');
  });

  it('deep nesting that would overflow the stack is a listed problem', () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const error = appErrorOf(() => parsePolicy(deep));
    expect(error.code).toBe('policy_invalid');
    expect(error.issues.length).toBeGreaterThan(0);
  });

  it('duplicate rule names are reported together with the other problems', () => {
    const error = appErrorOf(() =>
      parsePolicy(`
version: 1
default: { action: manual }
rules:
  - { name: same, action: approve, match: { consumerTenants: 5 } }
  - { name: SAME, action: approve }
`),
    );
    expect(error.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      expect.stringMatching(/^rules\[0\]\.match\.consumerTenants: .*expected array/),
      'rules[1].name: duplicate rule name (also rules[0].name)',
    ]);
  });

  it('duplicate target ids are reported together with the other problems, bare list or wrapped', () => {
    for (const wrap of [(t: string) => t, (t: string) => `{ "targets": ${t} }`]) {
      const error = appErrorOf(() =>
        parseProbeTargets(
          wrap('[{ "id": "web", "url": "ftp://x" }, { "id": "WEB", "url": "http://127.0.0.1/" }]'),
        ),
      );
      expect(error.issues.map((i) => i.path)).toEqual(['targets[0].url', 'targets[1].id']);
      expect(error.issues[1]?.message).toContain('duplicate id "WEB" (already used by targets[0]');
    }
  });
});
