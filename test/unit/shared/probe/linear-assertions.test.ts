import { describe, expect, it } from 'vitest';
import { parseProbeTargets } from '../../../../shared/probe/adapters/targets';
import { checkAssertions } from '../../../../shared/probe/core/assertions';
import { appErrorOf } from '../../../helpers/app-errors';
import { CATASTROPHIC_PATTERNS } from '../../../helpers/catastrophic-patterns';

function targetWith(assertions: unknown) {
  const [t] = parseProbeTargets(JSON.stringify([{ id: 'a', url: 'http://127.0.0.1/', assertions }]));
  if (t === undefined) throw new Error('no target');
  return t;
}

describe('probe assertion patterns run in linear time (RE2)', () => {
  it('a catastrophic bodyRegex and header pattern against a hostile 64 KiB response answer at once', () => {
    const target = targetWith({
      bodyRegex: CATASTROPHIC_PATTERNS,
      headers: { server: `/${CATASTROPHIC_PATTERNS[0]}/` },
    });
    const hostile = `${'a'.repeat(64 * 1024)}!`;
    const started = performance.now();
    const failure = checkAssertions(
      { statusCode: 200, headers: { server: hostile }, body: hostile },
      target.assertions,
    );
    // Backtracking would never finish; RE2 takes milliseconds. Generous bound for shared machines.
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(failure?.class).toBe('ASSERTION');
  });

  it('refuses lookaround and backreferences at load time with the path and what to write instead', () => {
    const error = appErrorOf(() =>
      targetWith({ bodyRegex: ['ok', '^(?!.*error)'], headers: { server: '/(a)\\1/' } }),
    );
    expect(error.code).toBe('config_invalid');
    const byPath = new Map(error.issues.map((i) => [i.path, i.message]));
    expect(byPath.get('targets[0].assertions.bodyRegex[1]')).toMatch(
      /negative lookahead .* not supported .*bodyContains/,
    );
    expect(byPath.get('targets[0].assertions.headers.server')).toMatch(/backreference \\1 is not supported/);
  });
});
