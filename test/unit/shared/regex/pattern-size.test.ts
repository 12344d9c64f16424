import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { patternRegexSource } from '../../../../shared/approval/core/policy/pattern';
import { expandedPatternSize } from '../../../../shared/regex/pattern-size';

describe('expandedPatternSize', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['CHG\\d{7}', 10],
    ['\\pL{1,1000}[0-9]', 1001],
    ['\\p{Greek}{5}', 5],
    ['\\x{41}{3}', 3],
    ['[a-z\\]]{4}', 4],
    ['[]a]{4}', 4],
    ['[^]a]{4}', 4],
    ['[[:alpha:]]{6}', 6],
    ['(ab){10}', 20],
    ['(?:a|bc){10}', 30],
    ['((a{1,10}){1,10}){1,10}', 1000],
    ['\\pL{1,600}\\pL{1,600}', 1200],
    ['a{3,}', 4],
    ['a{0}', 1],
    ['(?i:ab){2}', 4],
    ['(?<t>ab){2}', 4],
    ['a*b+c?', 3],
    ['a{2}?', 2],
    ['(?i)abc', 3],
    ['(?P<ticket>CHG\\d{7})', 10],
    ['a{x}', 4],
    ['(a', 1],
  ])('%s expands to %i atoms', (source, size) => {
    expect(expandedPatternSize(source)).toBe(size);
  });

  it('reads a glob as literal text (its braces are escaped in the regex it becomes)', () => {
    expect(expandedPatternSize(patternRegexSource('pe-{1000}', 'name'))).toBe(11);
    expect(expandedPatternSize(patternRegexSource('/^pe-\\d{1000}$/i', 'name'))).toBe(1005);
    expect(expandedPatternSize(patternRegexSource('CHG\\d{7}', 'message'))).toBe(10);
  });

  it('grows with the program RE2 compiles: ten times the repetition, at least five times the program', () => {
    // re2js keeps the compiled program on the instance; read only here, to tie the estimate to the engine.
    const instructions = (source: string) =>
      (RE2JS.compile(source) as unknown as { re2Input: { prog: { inst: unknown[] } } }).re2Input.prog.inst
        .length;
    for (const atom of ['\\pL', '[a-z]', '(?:ab|cd)']) {
      const small = `${atom}{1,50}`;
      const large = `${atom}{1,500}`;
      expect(expandedPatternSize(large) / expandedPatternSize(small)).toBe(10);
      expect(instructions(large) / instructions(small), atom).toBeGreaterThan(5);
    }
  });
});
