/*
 * Removes secrets from text before it is stored or logged (probe body excerpts, failure messages,
 * kept response headers, log lines). Two kinds: values the operator configured (probe request
 * headers and URL query values, which a target that echoes requests sends straight back; webhook
 * URLs; storage keys) and strings that look like credentials wherever they come from
 * (bearer/basic credentials, JWTs, SAS signatures, key headers). Pure.
 *
 * A configured value is found in every spelling an echo gives it: as is, JSON-escaped, URL-encoded
 * (secret-forms.ts) and inside base64 (base64-runs.ts). Values of MIN_SUBSTRING_SECRET_LENGTH
 * characters or more are removed wherever they occur; shorter ones only where they stand alone
 * (no letter or digit on either side), so a 2-character value does not wreck every word containing
 * it. All literal searching is one Aho-Corasick pass: linear in the text, whatever is configured.
 */
import { base64Runs, readsAsText } from './base64-runs';
import { type MultiMatcher, multiMatcher } from './multi-match';
import { secretForms } from './secret-forms';

export const REDACTED = '[redacted]';

/**
 * From this length a configured value is removed wherever it occurs, also inside longer words;
 * shorter values (still secrets) only where they stand alone. Loaders warn about them.
 */
export const MIN_SUBSTRING_SECRET_LENGTH = 6;
/** A secret cut off by the excerpt's byte limit still leaks this much of itself; beyond it, redact. */
const MIN_PARTIAL_LENGTH = 4;

// Each pattern is a run of one character class after a fixed prefix: linear on the JS engine.
const CREDENTIAL_PATTERNS: readonly [RegExp, string][] = [
  [/\b(Bearer|Basic|Negotiate|Digest)(\s+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1$2${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [
    /\b(authorization|proxy-authorization|x-functions-key|ocp-apim-subscription-key|x-api-key|api-key|cookie|set-cookie)(["']?\s*[:=]\s*["']?)[^\r\n"'<>]{4,}/gi,
    `$1$2${REDACTED}`,
  ],
  [/\b(sig|code|AccountKey|SharedAccessKey|client_secret|password)=[^&\s"'<>;]{4,}/gi, `$1=${REDACTED}`],
];

/**
 * Request headers whose values describe the request rather than authorise it (content negotiation,
 * caching, the virtual host, the client's name). Any other header may be a key, so it is a secret.
 */
export const PLAIN_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'cache-control',
  'content-type',
  'host',
  'pragma',
  'user-agent',
]);

export type Redactor = (text: string) => string;

interface Pattern {
  readonly text: string;
  /** Shorter than MIN_SUBSTRING_SECRET_LENGTH: counts only where no letter or digit touches it. */
  readonly standalone: boolean;
  readonly partialOk: boolean;
}

/**
 * A redactor for the given configured secret values (e.g. every probe header value). A value like
 * `Bearer abc…` is also redacted by its credential part alone, since echoes may show only that.
 */
export function redactor(configured: readonly string[]): Redactor {
  const secrets = [
    ...new Set(configured.flatMap((value) => [value.trim(), ...credentialPart(value)])),
  ].filter((s) => s !== '');
  const patterns: Pattern[] = secrets.flatMap((secret) => {
    const standalone = secret.length < MIN_SUBSTRING_SECRET_LENGTH;
    return secretForms(secret).map((text) => ({ text, standalone, partialOk: !standalone }));
  });
  const matcher = multiMatcher(patterns);
  return (text) => {
    let out = patterns.length === 0 ? text : withoutSecrets(text, patterns, matcher);
    for (const [pattern, replacement] of CREDENTIAL_PATTERNS) out = out.replace(pattern, replacement);
    return out;
  };
}

export function redact(text: string, configured: readonly string[] = []): string {
  return redactor(configured)(text);
}

function withoutSecrets(text: string, patterns: readonly Pattern[], matcher: MultiMatcher): string {
  const spans: [number, number][] = [];
  matcher.some(text, (pattern, start, end) => {
    if (counts(text, patterns[pattern] as Pattern, start, end, true)) spans.push([start, end]);
    return false;
  });
  for (const run of base64Runs(text)) {
    // A short secret only counts in a decoding that reads as text (see readsAsText).
    const hit = run.decodings.some((decoded) => {
      const textLike = readsAsText(decoded);
      return matcher.some(decoded, (pattern, start, end) =>
        counts(decoded, patterns[pattern] as Pattern, start, end, textLike),
      );
    });
    if (hit) spans.push([run.start, run.end]);
  }
  const partial = matcher.trailingPartial(text, MIN_PARTIAL_LENGTH);
  if (partial > 0) spans.push([text.length - partial, text.length]);
  return replaceSpans(text, spans);
}

/** Whether an occurrence is a secret: a long one always, a short one where it stands alone (and `shortOk`). */
function counts(text: string, pattern: Pattern, start: number, end: number, shortOk: boolean): boolean {
  if (!pattern.standalone) return true;
  return shortOk && !isWordChar(text.charCodeAt(start - 1)) && !isWordChar(text.charCodeAt(end));
}

/** A letter or digit (NaN, outside the text, is none). */
function isWordChar(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

/** Replaces the union of the spans (overlapping or touching spans become one) with REDACTED. */
function replaceSpans(text: string, spans: [number, number][]): string {
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of spans) {
    const last = merged.at(-1);
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  let out = '';
  let at = 0;
  for (const [start, end] of merged) {
    out += `${text.slice(at, start)}${REDACTED}`;
    at = end;
  }
  return `${out}${text.slice(at)}`;
}

function credentialPart(value: string): string[] {
  const m = /^\s*[A-Za-z-]+\s+(\S+)\s*$/.exec(value);
  return m?.[1] === undefined ? [] : [m[1]];
}
