/**
 * Name patterns in a policy: a glob by default (`*` any run of characters, `?` one character),
 * or a regular expression when written between slashes (`/^pe-(web|api)-\d+$/i`). Globs match
 * the whole name and ignore case, because ARM names are case-insensitive; a regex means exactly
 * what it says (anchor it yourself).
 */
export interface NamePattern {
  readonly source: string;
  test(value: string): boolean;
}

const REGEX_LITERAL = /^\/(.+)\/([dgimsuyv]*)$/s;

/** Undefined when the text is not a valid pattern (the schema reports it at the field's path). */
export function compileNamePattern(text: string): NamePattern | undefined {
  const literal = REGEX_LITERAL.exec(text);
  if (literal !== null) {
    const regex = compileRegex(literal[1] ?? '', withoutStatefulFlags(literal[2] ?? ''));
    return regex === undefined ? undefined : { source: text, test: (value) => regex.test(value) };
  }
  const regex = compileRegex(`^${globToRegexSource(text)}$`, 'is');
  return regex === undefined ? undefined : { source: text, test: (value) => regex.test(value) };
}

/**
 * A request-message regex: the plain source (`CHG\d{7}`) or a slash literal with flags
 * (`/chg\d{7}/i`). Not anchored: "the message contains a match".
 */
export function compileMessageRegex(text: string): RegExp | undefined {
  const literal = REGEX_LITERAL.exec(text);
  if (literal !== null) return compileRegex(literal[1] ?? '', withoutStatefulFlags(literal[2] ?? ''));
  return compileRegex(text, '');
}

export function isRegexLiteral(text: string): boolean {
  return REGEX_LITERAL.test(text);
}

// `g` and `y` make RegExp.test stateful (lastIndex), which would make one rule answer differently
// for the same connection on consecutive calls.
function withoutStatefulFlags(flags: string): string {
  return flags.replace(/[gy]/g, '');
}

function compileRegex(source: string, flags: string): RegExp | undefined {
  try {
    return new RegExp(source, flags);
  } catch {
    return undefined;
  }
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
