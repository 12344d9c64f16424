/**
 * How large a pattern's compiled program will be, read from its source without compiling it.
 *
 * RE2 runs in time linear in the input, but its cost per character, and the cost of compiling the
 * pattern and building its first match state, grow with the program: a counted repetition is
 * expanded into that many copies of what it repeats (`\pL{1,1000}` is a thousand copies of the
 * Unicode letter class). Measured on re2js 2.10 (bench/evaluate-attack.ts), one such pattern costs
 * 10-25 ms to compile and match once, so 200 of them in one request held the event loop for
 * seconds. This estimate lets a caller refuse a pattern before paying for it.
 *
 * The size counts one unit per atom (a character, an escape, a class, `.`), multiplied by every
 * counted repetition around it (`{n}`, `{n,}` and `{n,m}` count their largest bound; nested ones
 * multiply). Alternatives add up. `*`, `+` and `?` add nothing: RE2 compiles them to a loop, not copies.
 */
export function expandedPatternSize(source: string): number {
  // Each open group keeps its running size and the size of its last atom (what a quantifier repeats).
  const frames: { size: number; last: number }[] = [{ size: 0, last: 0 }];
  const top = () => frames[frames.length - 1] as { size: number; last: number };
  const addAtom = (size: number) => {
    const frame = top();
    frame.size += size;
    frame.last = size;
  };
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '\\') {
      i = afterEscape(source, i);
      addAtom(1);
      continue;
    }
    if (ch === '[') {
      i = afterClass(source, i);
      addAtom(1);
      continue;
    }
    if (ch === '(') {
      const flagsOnly = /^\(\?[a-zA-Z-]*\)/.exec(source.slice(i, i + 16));
      if (flagsOnly !== null) {
        // `(?i)` sets flags for what follows and matches nothing itself.
        i += flagsOnly[0].length;
        continue;
      }
      frames.push({ size: 0, last: 0 });
      // `(?:`, `(?i:`, `(?P<name>` and `(?<name>` open a group; their prefix matches nothing.
      const prefix = /^\(\?(?:P?<[^>]*>|[a-zA-Z-]*:)/.exec(source.slice(i, i + 64));
      i += prefix === null ? 1 : prefix[0].length;
      continue;
    }
    if (ch === ')') {
      if (frames.length > 1) {
        const group = frames.pop() as { size: number; last: number };
        addAtom(Math.max(1, group.size));
      } else addAtom(1);
      i++;
      continue;
    }
    if (ch === '|') {
      top().last = 0;
      i++;
      continue;
    }
    if (ch === '*' || ch === '+' || ch === '?') {
      i++;
      continue;
    }
    if (ch === '{') {
      const counted = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 24));
      if (counted !== null) {
        const min = Number(counted[1]);
        // `{n}` is n copies, `{n,}` n copies and a loop, `{n,m}` m copies (the optional ones too).
        const max = counted[2] === undefined ? min : counted[3] === '' ? min + 1 : Number(counted[3]);
        const frame = top();
        // The repeated atom is already counted once; the repetition adds the other copies.
        frame.size += frame.last * (Math.max(min, max, 1) - 1);
        frame.last *= Math.max(min, max, 1);
        i += counted[0].length;
        continue;
      }
    }
    addAtom(1);
    i++;
  }
  // Unclosed groups (a pattern RE2 will refuse anyway) still count.
  let size = 0;
  for (const frame of frames) size += frame.size;
  return size;
}

/** The index after an escape: `\d`, `\pL`, `\p{Greek}`, `\x{41}`, `\u{1F600}`, `\Q…\E`. */
function afterEscape(source: string, start: number): number {
  const kind = source[start + 1];
  if ((kind === 'p' || kind === 'P' || kind === 'x' || kind === 'u') && source[start + 2] === '{') {
    const close = source.indexOf('}', start + 3);
    return close < 0 ? source.length : close + 1;
  }
  if (kind === 'p' || kind === 'P') return start + 3;
  return start + 2;
}

/** The index after a character class, `[` to its closing `]` (escapes and `[:alpha:]` inside). */
function afterClass(source: string, start: number): number {
  let i = start + 1;
  if (source[i] === '^') i++;
  // A `]` first in the class is a member, in JS and RE2 alike.
  if (source[i] === ']') i++;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '\\') {
      i = afterEscape(source, i);
      continue;
    }
    if (ch === '[' && source[i + 1] === ':') {
      const close = source.indexOf(':]', i + 2);
      i = close < 0 ? i + 1 : close + 2;
      continue;
    }
    if (ch === ']') return i + 1;
    i++;
  }
  return source.length;
}
