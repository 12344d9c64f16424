import { describe, expect, it } from 'vitest';
import { REDACTED } from '../../../../shared/redact/redact';
import { redactUrlQuery, urlQuerySecrets } from '../../../../shared/redact/url-query';

describe('probe URLs leave without their query values', () => {
  it.each([
    ['http://10.0.0.5/', 'http://10.0.0.5/'],
    [
      'http://10.0.0.5/api/x?code=abc%2Bdef&page=2',
      `http://10.0.0.5/api/x?code=${REDACTED}&page=${REDACTED}`,
    ],
    [
      'https://h.example/b?sv=2024&sig=Zm9v%3D&se=x#frag',
      `https://h.example/b?sv=${REDACTED}&sig=${REDACTED}&se=${REDACTED}`,
    ],
    // A bare part could be a token itself; an empty value stays empty.
    ['http://h/?s3cr3tt0ken&empty=&', `http://h/?${REDACTED}&empty=&`],
    ['not a url ?token=abc', `not a url ?token=${REDACTED}`],
  ])('%s', (url, expected) => {
    expect(redactUrlQuery(url)).toBe(expected);
  });

  it('lists every value as sent and as a server reads it, and bare parts', () => {
    const secrets = urlQuerySecrets(new URL('http://h/?code=a%2Bb+c&sig=xyz&flag&empty='));
    expect(secrets).toEqual(expect.arrayContaining(['a%2Bb+c', 'a+b c', 'xyz', 'flag']));
    expect(secrets).not.toContain('empty');
    expect(secrets).not.toContain('code');
  });
});
