import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../../../shared/net/loopback';

describe('isLoopbackHost', () => {
  it.each(['localhost', '127.0.0.1', '127.255.10.3', '[::1]', '::1', '0:0:0:0:0:0:0:1'])(
    'accepts %s',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
    },
  );

  it.each([
    'example.com',
    '10.0.0.1',
    '128.0.0.1',
    '127.0.0.256',
    '127.0.0',
    '127.0.0.1.nip.io',
    'localhost.example.com',
    '[::2]',
    '::',
    '',
  ])('refuses %s', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});
