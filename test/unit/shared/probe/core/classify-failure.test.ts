import { describe, expect, it } from 'vitest';
import { classifyError } from '../../../../../shared/probe/core/classify-failure';
import type { ProbePhase } from '../../../../../shared/probe/core/types';

const err = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('classifyError', () => {
  it.each([
    ['ENOTFOUND', 'dns', 'DNS'],
    ['EAI_AGAIN', 'dns', 'DNS'],
    ['ECONNREFUSED', 'tcp', 'TCP_REFUSED'],
    ['UND_ERR_CONNECT_TIMEOUT', 'tcp', 'TCP_TIMEOUT'],
    ['UND_ERR_CONNECT_TIMEOUT', 'tls', 'TLS'],
    ['EHOSTUNREACH', 'tcp', 'TCP_TIMEOUT'],
    ['CERT_HAS_EXPIRED', 'tls', 'TLS'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls', 'TLS'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls', 'TLS'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls', 'TLS'],
    ['ECONNRESET', 'tls', 'TCP_RESET'],
    ['ECONNRESET', 'transfer', 'TCP_RESET'],
    ['UND_ERR_SOCKET', 'ttfb', 'TCP_RESET'],
    ['UND_ERR_HEADERS_TIMEOUT', 'ttfb', 'HEADERS_TIMEOUT'],
    ['UND_ERR_BODY_TIMEOUT', 'transfer', 'BODY_TIMEOUT'],
    ['UND_ERR_RES_EXCEEDED_MAX_SIZE', 'transfer', 'BODY_TOO_LARGE'],
    ['HPE_INVALID_CONSTANT', 'ttfb', 'HTTP_STATUS'],
    ['TOTAL_TIMEOUT', 'tcp', 'DEADLINE'],
    ['SOMETHING_NEW', 'dns', 'DNS'],
    ['SOMETHING_NEW', 'tls', 'TLS'],
    ['SOMETHING_NEW', 'transfer', 'TCP_RESET'],
  ] as const)('%s in %s → %s', (code, phase, expected) => {
    expect(classifyError(err(code), phase as ProbePhase)).toEqual({
      class: expected,
      phase,
      code,
      message: code,
    });
  });

  it("prefers the socket's own errno over undici's wrapper code", () => {
    const failure = classifyError(
      err('UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'Response body length does not match content-length header'),
      'transfer',
      err('ECONNRESET', 'read ECONNRESET'),
    );
    expect(failure).toMatchObject({ class: 'TCP_RESET', code: 'ECONNRESET' });
    expect(failure.message).toBe(
      'read ECONNRESET (Response body length does not match content-length header)',
    );
  });

  it('finds a code on the cause, and keeps messages to one short line', () => {
    const wrapped = new Error('fetch failed', { cause: err('ECONNREFUSED') });
    expect(classifyError(wrapped, 'tcp').class).toBe('TCP_REFUSED');
    const long = classifyError(new Error(`${'x'.repeat(400)}\nstack`), 'ttfb');
    expect(long.code).toBe('UNKNOWN');
    expect(long.message).toHaveLength(300);
  });
});
