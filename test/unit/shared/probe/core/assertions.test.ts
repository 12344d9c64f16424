import { describe, expect, it } from 'vitest';
import { parseProbeTargets } from '../../../../../shared/probe/adapters/targets';
import { checkAssertions } from '../../../../../shared/probe/core/assertions';
import type { ProbeAssertions } from '../../../../../shared/probe/core/types';

function assertions(value: unknown): ProbeAssertions {
  const [t] = parseProbeTargets(JSON.stringify([{ id: 'a', url: 'http://127.0.0.1/', assertions: value }]));
  if (t === undefined) throw new Error('no target');
  return t.assertions;
}

const iis = { server: 'Microsoft-IIS/10.0', 'content-type': 'text/html' };

describe('checkAssertions', () => {
  it('accepts 200-399 by default and names the accepted ranges when refusing', () => {
    const a = assertions(undefined);
    expect(checkAssertions({ statusCode: 302, headers: {}, body: null }, a)).toBeNull();
    expect(checkAssertions({ statusCode: 404, headers: {}, body: null }, a)).toEqual({
      class: 'HTTP_STATUS',
      phase: 'assertions',
      code: 'HTTP_404',
      message: 'status 404 is not accepted (expected 200-399)',
    });
  });

  it('checks the status before headers and body', () => {
    const a = assertions({ status: [200, '204'], headers: { Server: 'nginx*' } });
    expect(checkAssertions({ statusCode: 500, headers: iis, body: '' }, a)?.class).toBe('HTTP_STATUS');
    expect(checkAssertions({ statusCode: 200, headers: iis, body: '' }, a)?.message).toBe(
      'header server is "Microsoft-IIS/10.0", which does not match /^nginx.*$/i',
    );
  });

  it('checks every body assertion and names the one that failed', () => {
    const a = assertions({ bodyContains: ['IIS', 'Windows'], bodyRegex: ['<title>[^<]*Server</title>'] });
    const page = '<title>IIS Windows Server</title>';
    expect(checkAssertions({ statusCode: 200, headers: iis, body: page }, a)).toBeNull();
    expect(checkAssertions({ statusCode: 200, headers: iis, body: '<title>IIS</title>' }, a)?.message).toBe(
      'body does not contain "Windows"',
    );
    expect(
      checkAssertions({ statusCode: 200, headers: iis, body: 'IIS Windows <title>x</title>' }, a)?.message,
    ).toBe('body does not match /<title>[^<]*Server<\\/title>/');
  });
});
