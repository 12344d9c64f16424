import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors';
import { type AllowedHosts, guardWrite } from '../../../../shared/http/write-guard';

const DEV: AllowedHosts = { names: new Set(), loopback: true };
const AZURE: AllowedHosts = {
  names: new Set(['func-gatekeeper.azurewebsites.net', 'gatekeeper.contoso.example']),
  loopback: false,
};

/** `null`: the route was given no host names. */
function write(headers: Record<string, string>, allowed: AllowedHosts | null = DEV): AppError | undefined {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  try {
    guardWrite(
      'POST',
      { get: (name) => lower.get(name.toLowerCase()) ?? null },
      'http://127.0.0.1:7071/api/x',
      allowed === null ? undefined : () => allowed,
    );
    return undefined;
  } catch (thrown) {
    if (thrown instanceof AppError) return thrown;
    throw thrown;
  }
}

const json = { 'content-type': 'application/json' };

describe('guardWrite: the Host must be a name the app is configured for (DNS rebinding)', () => {
  it.each([
    'localhost',
    'localhost:7071',
    'LOCALHOST:7071',
    '127.0.0.1',
    '127.0.0.1:7071',
    '127.8.9.10:1',
    '[::1]',
    '[::1]:7071',
    '[0:0:0:0:0:0:0:1]:7071',
  ])('dev: loopback name %s with any port or none is accepted', (host) => {
    expect(write({ ...json, host })).toBeUndefined();
  });

  it.each([
    'rebind.evil.example:7071',
    'rebind.evil.example',
    'REBIND.EVIL.EXAMPLE:7071',
    'rebind.evil.example.:7071',
    'localhost.:7071',
    'localhost.evil.example:7071',
    '127.0.0.1.nip.io:7071',
    '127.1:7071',
    '0.0.0.0:7071',
    '[::ffff:127.0.0.1]:7071',
    '::1',
    'user@localhost:7071',
    'localhost:7071/x',
    '',
  ])('dev: %s is refused with host_not_allowed naming the Host', (host) => {
    const error = write({ ...json, host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' });
    expect(error?.code).toBe('host_not_allowed');
    expect(error?.status).toBe(403);
    expect(error?.issues).toEqual([{ path: 'Host', message: 'expected a host name of this app' }]);
  });

  it('the attack from the issue: Host and Origin agree on a rebinding name, same-origin fetch metadata', () => {
    const error = write({
      ...json,
      host: 'rebind.evil.example:7071',
      origin: 'http://rebind.evil.example:7071',
      'sec-fetch-site': 'same-origin',
    });
    expect(error?.code).toBe('host_not_allowed');
    expect(error?.message).toContain('"rebind.evil.example:7071"');
  });

  it('X-Forwarded-Host is not trusted: it must be one of the app names too', () => {
    const forged = write({ ...json, host: '127.0.0.1:7071', 'x-forwarded-host': 'rebind.evil.example' });
    expect(forged?.code).toBe('host_not_allowed');
    expect(forged?.issues[0]?.path).toBe('X-Forwarded-Host');
    const chained = write(
      {
        ...json,
        host: 'func-gatekeeper.azurewebsites.net',
        'x-forwarded-host': 'gatekeeper.contoso.example, evil.example',
      },
      AZURE,
    );
    expect(chained?.code).toBe('host_not_allowed');
    expect(
      write(
        {
          ...json,
          host: 'func-gatekeeper.azurewebsites.net',
          'x-forwarded-host': 'gatekeeper.contoso.example',
          origin: 'https://gatekeeper.contoso.example',
        },
        AZURE,
      ),
    ).toBeUndefined();
  });

  it('Azure: the app names only (WEBSITE_HOSTNAME, APP_HOST_NAMES), case-insensitive; loopback is refused', () => {
    expect(write({ ...json, host: 'Func-Gatekeeper.azurewebsites.net' }, AZURE)).toBeUndefined();
    expect(write({ ...json, host: 'gatekeeper.contoso.example:443' }, AZURE)).toBeUndefined();
    expect(write({ ...json, host: 'localhost' }, AZURE)?.code).toBe('host_not_allowed');
    expect(write({ ...json, host: 'other.azurewebsites.net' }, AZURE)?.code).toBe('host_not_allowed');
  });

  it('without configured host names every write is refused, reads pass untouched', () => {
    expect(write({ ...json, host: 'localhost' }, null)?.code).toBe('host_not_allowed');
    expect(() =>
      guardWrite('GET', { get: () => 'rebind.evil.example' }, 'http://x/', undefined),
    ).not.toThrow();
  });

  it('the host check comes before the CSRF checks, which still apply to an allowed Host', () => {
    expect(write({ host: 'localhost:7071', origin: 'http://evil.example' })?.code).toBe('forbidden');
    expect(write({ host: 'localhost:7071' })?.code).toBe('unsupported_media_type');
  });
});
