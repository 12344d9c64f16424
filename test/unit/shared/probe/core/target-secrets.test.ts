import { describe, expect, it } from 'vitest';
import { shortSecretWarnings, targetSecrets } from '../../../../../shared/probe/core/target-secrets';

const target = (url: string, headers: Record<string, string> = {}) => ({ url: new URL(url), headers });

describe('the secrets of a probe target', () => {
  it('are its header values (not the standard descriptive ones) and its query values', () => {
    const secrets = targetSecrets(
      target('http://10.0.0.5/?code=fn-key-123&sig=abc', {
        'X-Api-Key': 'k3Y5!',
        Authorization: 'Bearer long-token-value',
        Accept: 'text/html',
        'User-Agent': 'gatekeeper',
        Host: 'www.contoso.com',
      }),
    );
    expect(secrets).toEqual(
      expect.arrayContaining([
        { field: 'headers.X-Api-Key', value: 'k3Y5!' },
        { field: 'headers.Authorization', value: 'Bearer long-token-value' },
        { field: 'url', value: 'fn-key-123' },
        { field: 'url', value: 'abc' },
      ]),
    );
    expect(secrets.some((s) => ['text/html', 'gatekeeper', 'www.contoso.com'].includes(s.value))).toBe(false);
  });

  it('a short one is named by target and field in a warning', () => {
    expect(
      shortSecretWarnings([
        target('http://10.0.0.5/?code=long-enough-key'),
        target('http://10.0.0.6/?token=abc', { 'X-Api-Key': 'k3Y5!', 'X-Long': 'long-enough-value' }),
      ]),
    ).toEqual([
      expect.stringMatching(/^targets\[1\]\.headers\.X-Api-Key holds a value shorter than 6 characters/),
      expect.stringMatching(/^targets\[1\]\.url holds /),
    ]);
  });
});
