/*
 * Removes secrets from text before it is stored or logged (probe body excerpts, failure messages,
 * kept response headers). Two kinds: values the operator configured (probe request headers, which
 * a target that echoes requests sends straight back) and strings that look like credentials
 * wherever they come from (bearer/basic credentials, JWTs, SAS signatures, key headers). Pure.
 */
export const REDACTED = '[redacted]';

/** Shorter configured values are not treated as secrets: replacing "1" or "en" would wreck the text. */
const MIN_SECRET_LENGTH = 6;
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
  // Signed onboarding codes (shared/approval/core/onboarding-code.ts): a bearer credential for one customer.
  [/\bPLG-[0-9A-HJKMNP-TV-Z]{34}\b/gi, REDACTED],
];

export type Redactor = (text: string) => string;

/**
 * A redactor for the given configured secret values (e.g. every probe header value). A value like
 * `Bearer abc…` is also redacted by its credential part alone, since echoes may show only that.
 */
export function redactor(configured: readonly string[]): Redactor {
  const secrets = [...new Set(configured.flatMap((value) => [value.trim(), ...credentialPart(value)]))]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    // Longest first, so a value containing another is replaced whole.
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of secrets) out = out.split(secret).join(REDACTED);
    for (const secret of secrets) out = withoutTrailingPrefix(out, secret);
    for (const [pattern, replacement] of CREDENTIAL_PATTERNS) out = out.replace(pattern, replacement);
    return out;
  };
}

export function redact(text: string, configured: readonly string[] = []): string {
  return redactor(configured)(text);
}

function credentialPart(value: string): string[] {
  const m = /^\s*[A-Za-z-]+\s+(\S+)\s*$/.exec(value);
  return m?.[1] === undefined ? [] : [m[1]];
}

/** An excerpt cut inside a secret ends with the secret's first characters. */
function withoutTrailingPrefix(text: string, secret: string): string {
  const longest = Math.min(secret.length - 1, text.length);
  for (let n = longest; n >= MIN_PARTIAL_LENGTH; n--) {
    if (text.endsWith(secret.slice(0, n))) return `${text.slice(0, text.length - n)}${REDACTED}`;
  }
  return text;
}
