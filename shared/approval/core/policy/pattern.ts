import { compileLinearRegex, type LinearRegex, regexLiteralParts } from '../../../regex/linear-regex';

/**
 * Name patterns in a policy: a glob by default (`*` any run of characters, `?` one character),
 * or a regular expression when written between slashes (`/^pe-(web|api)-\d+$/i`). Globs match
 * the whole name and ignore case, because ARM names are case-insensitive; a regex means exactly
 * what it says (anchor it yourself). Every regex runs on RE2 (linear time; see linear-regex.ts).
 */
export interface NamePattern {
  readonly source: string;
  test(value: string): boolean;
}

export type PatternResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string };

/** What a policy offers instead of lookaround, appended to the load-time error. */
const LOOKAROUND_HINT =
  'write the positive pattern and put it under the rule\'s `not:` block (e.g. `not: { requestMessage: "CHG\\\\d{7}" }` for "no ticket")';

export function compileNamePattern(text: string): PatternResult<NamePattern> {
  const literal = regexLiteralParts(text);
  if (literal !== undefined)
    return fromRegex(compileLinearRegex(literal.source, literal.flags, LOOKAROUND_HINT), text);
  return fromRegex(compileLinearRegex(`^${globToRegexSource(text)}$`, 'is'), text);
}

/**
 * A request-message regex: the plain source (`CHG\d{7}`) or a slash literal with flags
 * (`/chg\d{7}/i`). Not anchored: "the message contains a match".
 */
export function compileMessageRegex(text: string): PatternResult<LinearRegex> {
  const literal = regexLiteralParts(text);
  const compiled =
    literal !== undefined
      ? compileLinearRegex(literal.source, literal.flags, LOOKAROUND_HINT)
      : compileLinearRegex(text, '', LOOKAROUND_HINT);
  return compiled.ok ? { ok: true, value: compiled.regex } : compiled;
}

/**
 * The regular expression RE2 compiles for a policy pattern, as written or translated from a glob:
 * what a size estimate of the compiled program must read (a glob's `{` is a literal there).
 */
export function patternRegexSource(text: string, kind: 'name' | 'message'): string {
  const literal = regexLiteralParts(text);
  if (literal !== undefined) return literal.source;
  return kind === 'name' ? `^${globToRegexSource(text)}$` : text;
}

export function isRegexLiteral(text: string): boolean {
  return regexLiteralParts(text) !== undefined;
}

function fromRegex(
  compiled: ReturnType<typeof compileLinearRegex>,
  source: string,
): PatternResult<NamePattern> {
  if (!compiled.ok) return compiled;
  const { regex } = compiled;
  return { ok: true, value: { source, test: (value) => regex.test(value) } };
}

function globToRegexSource(glob: string): string {
  let out = '';
  for (const ch of glob) {
    if (ch === '*') out += '.*';
    else if (ch === '?') out += '.';
    else out += ch.replace(/[\\^$.|+()[\]{}/-]/g, '\\$&');
  }
  return out;
}
