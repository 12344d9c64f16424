/*
 * Base64 runs in a text, decoded. A secret inside base64 has no fixed spelling (each of the three
 * byte alignments encodes it differently, and its edges mix with its neighbours' bits), so runs are
 * decoded and the decoded text is searched. A run may start mid-group when letters are glued to it,
 * so each run is decoded from each of its first four characters; one of them is aligned. Both the
 * standard and the URL-safe alphabet are read (Node's decoder accepts both). Linear: every character
 * is decoded at most four times. Pure.
 */

export interface Base64Run {
  readonly start: number;
  /** Exclusive; includes `=` padding. */
  readonly end: number;
  /** The run decoded as UTF-8 from each of its first four characters (fewer for short runs). */
  readonly decodings: readonly string[];
}

/** Shorter runs decode to less than one byte. */
const MIN_RUN_LENGTH = 2;

export function base64Runs(text: string): Base64Run[] {
  const runs: Base64Run[] = [];
  let i = 0;
  while (i < text.length) {
    if (!isBase64Char(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < text.length && isBase64Char(text.charCodeAt(i))) i++;
    const body = text.slice(start, i);
    while (i < text.length && i - start - body.length < 2 && text.charCodeAt(i) === 0x3d) i++;
    if (body.length < MIN_RUN_LENGTH) continue;
    const decodings: string[] = [];
    for (let offset = 0; offset < 4 && body.length - offset >= MIN_RUN_LENGTH; offset++)
      decodings.push(Buffer.from(body.slice(offset), 'base64').toString('utf8'));
    runs.push({ start, end: i, decodings });
  }
  return runs;
}

/** A-Z a-z 0-9 + / - _ */
function isBase64Char(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x2b ||
    code === 0x2f ||
    code === 0x2d ||
    code === 0x5f
  );
}

/**
 * Whether a decoding reads as text (at least 90% printable): words that happen to be valid base64
 * decode to binary noise, and a short secret "found" in noise would redact ordinary words.
 */
export function readsAsText(decoded: string): boolean {
  if (decoded.length === 0) return false;
  let printable = 0;
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i);
    if ((c >= 0x20 && c !== 0x7f && c !== 0xfffd) || c === 0x09 || c === 0x0a || c === 0x0d) printable++;
  }
  return printable >= decoded.length * 0.9;
}
