/*
 * Maps whatever a connection attempt threw (an errno, an undici error, an OpenSSL/Node TLS code)
 * to the probe's failure vocabulary. The class says *what* broke, the phase *where*; the raw code
 * is kept so nothing is lost in translation.
 */
import type { FailureClass, ProbeFailure, ProbePhase } from './types';

/** Codes the engine gives its own deadlines; they mirror undici's names where undici has one. */
export const PROBE_CODES = {
  dnsTimeout: 'DNS_TIMEOUT',
  connectTimeout: 'UND_ERR_CONNECT_TIMEOUT',
  headersTimeout: 'UND_ERR_HEADERS_TIMEOUT',
  bodyTimeout: 'UND_ERR_BODY_TIMEOUT',
  bodyTooLarge: 'BODY_TOO_LARGE',
  totalTimeout: 'TOTAL_TIMEOUT',
  runDeadline: 'RUN_DEADLINE',
  status: 'HTTP_STATUS',
  assertion: 'ASSERTION_FAILED',
} as const;

const DNS_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NODATA',
  'EAI_NONAME',
  'ENODATA',
  'ESERVFAIL',
]);
const RESET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);
/** No route, or the connect never completed: from the caller's side both mean "the path is not there". */
const TCP_TIMEOUT_CODES = new Set(['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN']);
const TLS_CODE =
  /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|EPROTO$|ERR_OSSL_)/;

export function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    const cause = (error as { cause?: unknown }).cause;
    if (cause !== undefined && cause !== error) return errorCode(cause);
  }
  return 'UNKNOWN';
}

/** A one-line message without stack or internals; long messages (OpenSSL's) are cut. */
function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

function classOf(code: string, phase: ProbePhase): FailureClass {
  // Whatever a resolver says (c-ares reports an unreachable server as ECONNREFUSED) is a DNS fault.
  if (phase === 'dns') return 'DNS';
  if (DNS_CODES.has(code) || code === PROBE_CODES.dnsTimeout) return 'DNS';
  if (code === 'ECONNREFUSED') return 'TCP_REFUSED';
  if (code === PROBE_CODES.connectTimeout) return phase === 'tls' ? 'TLS' : 'TCP_TIMEOUT';
  if (TCP_TIMEOUT_CODES.has(code)) return 'TCP_TIMEOUT';
  if (TLS_CODE.test(code)) return 'TLS';
  if (RESET_CODES.has(code)) return 'TCP_RESET';
  if (code === PROBE_CODES.headersTimeout) return 'HEADERS_TIMEOUT';
  if (code === PROBE_CODES.bodyTimeout) return 'BODY_TIMEOUT';
  if (code === PROBE_CODES.bodyTooLarge || code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return 'BODY_TOO_LARGE';
  if (code === PROBE_CODES.totalTimeout || code === PROBE_CODES.runDeadline) return 'DEADLINE';
  // A reply that is not HTTP at all (llhttp's HPE_* codes): the service answered, but not as a web server.
  if (code.startsWith('HPE_')) return 'HTTP_STATUS';
  // Anything else is judged by where it happened; the raw code is kept for diagnosis.
  switch (phase) {
    case 'tls':
      return 'TLS';
    default:
      return 'TCP_RESET';
  }
}

const SOCKET_ERRNOS = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
/** undici's codes for "the connection went away"; the socket's own errno says more when there is one. */
const WRAPPER_CODES = new Set([
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UNKNOWN',
]);

/**
 * The failure for an error thrown (or passed to onError) while the attempt was in `phase`.
 * `socketError` is the socket's first own error: undici reports a reset mid-body as a length
 * mismatch or "other side closed", while the socket saw the ECONNRESET that explains it.
 */
export function classifyError(
  error: unknown,
  phase: ProbePhase,
  socketError: Error | null = null,
): ProbeFailure {
  const code = errorCode(error);
  const cause = socketError === null ? null : errorCode(socketError);
  if (WRAPPER_CODES.has(code) && cause !== null && SOCKET_ERRNOS.has(cause)) {
    return {
      class: 'TCP_RESET',
      phase,
      code: cause,
      message: `${errorMessage(socketError)} (${errorMessage(error)})`,
    };
  }
  return { class: classOf(code, phase), phase, code, message: errorMessage(error) };
}

/** An error carrying a failure the engine decided itself (a deadline, a size limit), so teardown errors cannot replace it. */
export class ProbeAbort extends Error {
  readonly failure: ProbeFailure;
  readonly code: string;

  constructor(failure: ProbeFailure) {
    super(failure.message);
    this.name = 'ProbeAbort';
    this.failure = failure;
    this.code = failure.code;
  }
}
