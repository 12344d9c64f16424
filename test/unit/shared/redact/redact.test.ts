import { describe, expect, it } from 'vitest';
import { REDACTED, redact, redactor } from '../../../../shared/redact/redact';

describe('redact', () => {
  it('removes configured values, and the credential part of a "Scheme value" header alone', () => {
    const clean = redactor(['Bearer s3cr3t-token-value', 'Basic dXNlcjpwYXNz', 'en']);
    expect(clean('auth was Bearer s3cr3t-token-value here')).toBe(`auth was ${REDACTED} here`);
    expect(clean('token=s3cr3t-token-value')).toBe(`token=${REDACTED}`);
    // Short: removed only where it stands alone, or every "en" in a page would vanish.
    expect(clean('open')).toBe('open');
    expect(clean('lang=en;')).toBe(`lang=${REDACTED};`);
  });

  it.each(['k7Qz2x', 'k7Qz2xW'])(
    'removes a short configured secret (%s): 6 and 7 characters count',
    (secret) => {
      // The minimum length is a guard of its own: raising it would leave short header values at rest.
      expect(redact(`echoed x-probe: ${secret} back`, [secret])).toBe(`echoed x-probe: ${REDACTED} back`);
    },
  );

  it('removes a secret cut off at the end of an excerpt', () => {
    expect(redact('...header: s3cr3t-to', ['s3cr3t-token-value'])).toBe(`...header: ${REDACTED}`);
  });

  it.each([
    ['Authorization: Bearer abcdefghijklmnop', `Authorization: ${REDACTED}`],
    ['proxy said Bearer abcdefghijklmnop', `proxy said Bearer ${REDACTED}`],
    ['x-functions-key: 0123456789abcdef', `x-functions-key: ${REDACTED}`],
    ['"authorization":"Basic dXNlcjpwYXNzd29yZA=="', `"authorization":"${REDACTED}"`],
    ['https://x/blob?sv=1&sig=AbCdEf%2Bgh&se=2', `https://x/blob?sv=1&sig=${REDACTED}&se=2`],
    ['/api/x?code=functionkeyvalue', `/api/x?code=${REDACTED}`],
    ['id eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl end', `id ${REDACTED} end`],
  ])('removes bearer-looking strings nobody configured: %s', (text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it('leaves ordinary text alone', () => {
    const page = '<title>IIS Windows Server</title> status 500, code 42, Basic setup';
    expect(redact(page)).toBe(page);
  });

  it('answers at once on a hostile 1 KiB excerpt', () => {
    const started = performance.now();
    redact(`Bearer ${'a'.repeat(1_000)}`, ['x'.repeat(50)]);
    redact(`authorization: ${' '.repeat(1_000)}`);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
