import { describe, expect, it } from 'vitest';
import { multiMatcher } from '../../../../shared/redact/multi-match';
import { REDACTED, redactor } from '../../../../shared/redact/redact';

/**
 * Issue 22 item 3: an echoing target sends a configured secret back JSON-escaped, URL-encoded or
 * base64-encoded, and a 5-character one as it is; each form must leave the redactor as [redacted].
 */

const LONG = 'p/ss+w"rd\\Z é~!';
const SHORT = 'k3Y5!';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

describe('every spelling of a configured secret is redacted', () => {
  const clean = redactor([LONG, SHORT]);
  const leaks = (text: string) => {
    const out = clean(text);
    return [LONG, SHORT].some((s) => out.includes(s)) ? out : undefined;
  };

  it.each([
    ['as is', LONG],
    ['JSON-escaped', JSON.stringify(LONG).slice(1, -1)],
    ['JSON-escaped with \\/', JSON.stringify(LONG).slice(1, -1).replaceAll('/', '\\/')],
    ['JSON-escaped to ASCII (\\u00e9)', JSON.stringify(LONG).slice(1, -1).replace('é', '\\u00e9')],
    ['percent-encoded (%XX)', encodeURIComponent(LONG)],
    [
      'percent-encoded, lower-case hex',
      encodeURIComponent(LONG).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    ],
    ['form-encoded (+ for spaces)', new URLSearchParams({ v: LONG }).toString().slice(2)],
    ['percent-encoded with + for spaces', encodeURIComponent(LONG).replaceAll('%20', '+')],
  ])('a long secret %s, inside other text', (_form, spelling) => {
    const text = `{"echo":"before ${spelling} after"}`;
    const out = clean(text);
    expect(out).toBe(`{"echo":"before ${REDACTED} after"}`);
    expect(out).not.toContain(spelling);
  });

  it.each([0, 1, 2])(
    'base64 (standard and URL-safe) with the secret at alignment %i inside a longer string',
    (pad) => {
      const plain = `${'x'.repeat(pad)}{"headers":{"x-api-key":"${LONG}","x-short":"${SHORT}"},"url":"/?token=${encodeURIComponent(LONG)}"}`;
      for (const encoded of [b64(plain), b64url(plain)]) {
        const out = clean(`{"body":"${encoded}"}`);
        expect(out).toBe(`{"body":"${REDACTED}"}`);
      }
      // The short secret alone inside base64 too (the long one removed from the plain text).
      const shortOnly = `${'y'.repeat(pad)}{"x-short":"${SHORT}","n":1}`;
      expect(clean(`data ${b64(shortOnly)} end`)).toBe(`data ${REDACTED} end`);
    },
  );

  it('base64 glued to letters (a run starting mid-group) is still decoded', () => {
    const encoded = b64(`{"k":"${LONG}"}`);
    expect(leaks(`abc${encoded}`)).toBeUndefined();
    expect(clean(`abc${encoded}`)).toBe(REDACTED);
  });

  it('the base64 of the secret alone, an exact field value', () => {
    expect(clean(`{"v":"${b64(SHORT)}","w":"${b64url(LONG)}"}`)).toBe(
      `{"v":"${REDACTED}","w":"${REDACTED}"}`,
    );
  });
});

describe('short secrets (1-5 characters) are redacted where they stand alone, and only there', () => {
  it.each(['Q', 'z9', 'a1b', 'k3Y5', 'k3Y5!'])(
    '%s as a field value, a query value, a header line',
    (secret) => {
      const clean = redactor([secret]);
      expect(clean(`{"x-key":"${secret}"}`)).toBe(`{"x-key":"${REDACTED}"}`);
      expect(clean(`/path?token=${encodeURIComponent(secret)}&n=2`)).toBe(`/path?token=${REDACTED}&n=2`);
      expect(clean(`x-key: ${secret}\r\n`)).toBe(`x-key: ${REDACTED}\r\n`);
      expect(clean(secret)).toBe(REDACTED);
    },
  );

  it('does not mangle words and numbers that merely contain a short secret', () => {
    const clean = redactor(['en', '12', 'ab']);
    const page = '<title>Open enterprise</title> status 5120, 1234 ms, about tabs';
    expect(clean(page)).toBe(page);
    // Ordinary words are valid base64; their noise must not "contain" a short secret.
    const words = 'The quick brown fox jumps over the lazy dog while IIS serves its default page again';
    expect(clean(words)).toBe(words);
  });
  it('does not read a short secret into binary noise that happens to be valid base64', () => {
    // Bytes mostly control characters, with " z9 " in the middle: no echo produces this, any word might.
    const noise = Buffer.from([1, 2, 3, 0x20, 0x7a, 0x39, 0x20, 4, 5, 6, 7, 8, 0x0e, 0x0f, 0x10]).toString(
      'base64',
    );
    const text = `etag ${noise} kept`;
    expect(redactor(['z9'])(text)).toBe(text);
    // The same secret in base64 of text is found.
    expect(redactor(['z9'])(`etag ${b64('{"k":"z9"}')} kept`)).toBe(`etag ${REDACTED} kept`);
  });
});

describe('redaction stays linear on hostile input', () => {
  // A quadratic search would take minutes here (2 MiB × 200-character near misses); linear takes well under a second.
  it('2 MiB of adversarial text against many near-miss secrets answers within seconds', () => {
    const secrets = Array.from({ length: 50 }, (_, i) => `${'a'.repeat(200 + i)}b`);
    const clean = redactor([...secrets, 'a', 'aa']);
    const hostile = 'a'.repeat(1024 * 1024);
    const started = performance.now();
    clean(hostile);
    clean(`${'aaaa'.repeat(256 * 1024)}==`);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('the multi-pattern matcher finds exactly what a naive search finds', () => {
  it('on random texts and patterns over a tiny alphabet (overlaps, nesting, repeats)', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const word = (max: number) => Array.from({ length: 1 + random(max) }, () => 'ab'[random(2)]).join('');
    for (let round = 0; round < 300; round++) {
      const patterns = [...new Set(Array.from({ length: 1 + random(5) }, () => word(4)))];
      const text = word(30);
      const matcher = multiMatcher(patterns.map((p) => ({ text: p, partialOk: false })));
      const found = matcher
        .find(text)
        .map((o) => `${o.pattern}@${o.start}-${o.end}`)
        .sort();
      const naive: string[] = [];
      patterns.forEach((p, index) => {
        for (let i = text.indexOf(p); i !== -1; i = text.indexOf(p, i + 1))
          naive.push(`${index}@${i}-${i + p.length}`);
      });
      expect(found, `${JSON.stringify(patterns)} in ${text}`).toEqual(naive.sort());
    }
  });

  it('knows how much of a text end begins a pattern (an excerpt cut inside a secret)', () => {
    const matcher = multiMatcher([{ text: 'secret-value', partialOk: true }]);
    expect(matcher.trailingPartial('...x: secre', 4)).toBe(5);
    expect(matcher.trailingPartial('...x: sec', 4)).toBe(0);
    expect(matcher.trailingPartial('...x: secret-value', 4)).toBe(0);
  });
});
