import { RE2JS } from 're2js';

/**
 * Regular expressions written by people (policy rules, probe assertions) run on RE2 (the pure-JS
 * `re2js` port), whose matching time is linear in the input whatever the pattern. The request
 * message a rule looks at is written by a consumer in another tenant: with a backtracking engine
 * one crafted message against `^(a+)+$` blocks the instance's event loop for seconds per
 * character. RE2 has no backreferences or lookaround (they are what makes linear time impossible),
 * so those are refused when the document is loaded, with a hint at what to write instead.
 */
export interface LinearRegex {
  /** The pattern's source as written (without slashes or flags). */
  readonly source: string;
  /** Whether the pattern matches anywhere in the value (anchor with ^…$ for a whole match). */
  test(value: string): boolean;
  /** `/source/flags`, the way JavaScript prints a RegExp, for messages. */
  toString(): string;
}

export type CompiledRegex =
  | { readonly ok: true; readonly regex: LinearRegex }
  | { readonly ok: false; readonly message: string };

const FLAG_BITS: Readonly<Record<string, number>> = {
  i: RE2JS.CASE_INSENSITIVE,
  s: RE2JS.DOTALL,
  m: RE2JS.MULTILINE,
};
/**
 * Flags accepted for familiarity but meaningless here: `g`/`y` make JS RegExp.test stateful
 * (one rule would answer differently on consecutive calls), `u`/`v` are how RE2 always reads
 * text, `d` only adds match indices.
 */
const IGNORED_FLAGS = new Set(['g', 'y', 'u', 'v', 'd']);

/**
 * Compiles `source` with JavaScript-style `flags` on RE2. `hint` is appended to the message for
 * lookaround, saying what the document offers instead (e.g. the policy's `not:` block).
 */
export function compileLinearRegex(source: string, flags = '', hint?: string): CompiledRegex {
  const key = `${flags}\u0000${hint ?? ''}\u0000${source}`;
  const cached = compiled.get(key);
  if (cached !== undefined) return cached;
  const result = compileUncached(source, flags, hint);
  // Policies are parsed again on every dry run, and RE2 compiles more slowly than RegExp; the
  // cache is bounded so drafts sent to the API cannot grow it without end. The oldest entry goes
  // first, so a draft's patterns compiled just before its policy is validated are still there.
  if (compiled.size >= MAX_CACHED) {
    const oldest = compiled.keys().next();
    if (oldest.done !== true) compiled.delete(oldest.value);
  }
  compiled.set(key, result);
  return result;
}

const MAX_CACHED = 500;
const compiled = new Map<string, CompiledRegex>();

function compileUncached(source: string, flags: string, hint: string | undefined): CompiledRegex {
  const unsupported = unsupportedSyntax(source);
  if (unsupported !== undefined) {
    const extra = unsupported.lookaround && hint !== undefined ? `; ${hint}` : '';
    return { ok: false, message: `${unsupported.message}${extra}` };
  }
  let bits = 0;
  for (const flag of flags) {
    const bit = FLAG_BITS[flag];
    if (bit !== undefined) bits |= bit;
    else if (!IGNORED_FLAGS.has(flag))
      return { ok: false, message: `unknown regular expression flag ${flag}` };
  }
  let re2: RE2JS;
  try {
    // translateRegExp maps JS-only spellings RE2 reads differently (\u{…}, (?<name>…), [^]).
    re2 = RE2JS.compile(RE2JS.translateRegExp(source), bits);
  } catch (error) {
    const reason =
      error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : 'unreadable';
    return { ok: false, message: `invalid regular expression: ${reason}` };
  }
  const shown = `/${escapeSlashes(source)}/${flags}`;
  return {
    ok: true,
    regex: { source, test: (value) => re2.test(value), toString: () => shown },
  };
}

// The flags JS knows: text like `/a/x` stays a plain pattern, as it always was.
const REGEX_LITERAL = /^\/(.+)\/([dgimsuyv]*)$/s;

/** `/source/flags` when the text is written between slashes, else undefined. */
export function regexLiteralParts(text: string): { source: string; flags: string } | undefined {
  const m = REGEX_LITERAL.exec(text);
  return m === null ? undefined : { source: m[1] ?? '', flags: m[2] ?? '' };
}

/** Escapes each `/` that is not already escaped or inside a class, as RegExp.prototype.source does. */
function escapeSlashes(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i] ?? '';
    if (ch === '\\') {
      out += ch + (source[i + 1] ?? '');
      i++;
      continue;
    }
    if (ch === '[') inClass = true;
    else if (ch === ']') inClass = false;
    out += ch === '/' && !inClass ? '\\/' : ch;
  }
  return out;
}

interface Unsupported {
  readonly message: string;
  readonly lookaround: boolean;
}

const LOOKAROUND: readonly [string, string][] = [
  ['(?=', 'lookahead (?=…)'],
  ['(?!', 'negative lookahead (?!…)'],
  ['(?<=', 'lookbehind (?<=…)'],
  ['(?<!', 'negative lookbehind (?<!…)'],
];

/**
 * Finds the JS syntax RE2 cannot run, scanning outside character classes. Checked before RE2's own
 * parser because translateRegExp would quietly turn `\k<name>` into the literal text `k<name>`.
 */
export function unsupportedSyntax(source: string): Unsupported | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(next)) {
        return {
          message: `backreference \\${next} is not supported (patterns run on RE2, in linear time); repeat the group's pattern instead`,
          lookaround: false,
        };
      }
      if (!inClass && next === 'k' && source[i + 2] === '<') {
        return {
          message:
            "named backreference \\k<…> is not supported (patterns run on RE2, in linear time); repeat the group's pattern instead",
          lookaround: false,
        };
      }
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      // A `]` right after `[` or `[^` is a literal member in JS and RE2 alike.
      if (source[i + 1] === '^') i++;
      if (source[i + 1] === ']') i++;
      continue;
    }
    if (ch === '(') {
      for (const [opener, name] of LOOKAROUND) {
        if (source.startsWith(opener, i)) {
          return {
            message: `${name} is not supported (patterns run on RE2, in linear time)`,
            lookaround: true,
          };
        }
      }
    }
  }
  return undefined;
}
