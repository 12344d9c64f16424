import type { FailureClass, ProbeAttempt, ProbeResult, ResultStatus } from '../../shared/probe/core/types';

/**
 * Builds ProbeResult values directly: pure data, as the engine would produce them, so the store
 * and the state machine can be tested without sockets. Timings default to a plausible http run.
 */
export interface ResultSpec {
  readonly targetId?: string | undefined;
  readonly scheduledAt: Date;
  readonly status?: ResultStatus | undefined;
  readonly totalMs?: number | undefined;
  readonly dnsMs?: number | null | undefined;
  readonly tcpMs?: number | null | undefined;
  readonly tlsMs?: number | null | undefined;
  readonly failureClass?: FailureClass | undefined;
  readonly inMaintenance?: boolean | undefined;
  readonly connectionState?: string | null | undefined;
  /** Failed attempts before the final one. */
  readonly retries?: number | undefined;
  readonly tlsDaysLeft?: number | undefined;
  readonly runId?: string | undefined;
}

export function probeResult(spec: ResultSpec): ProbeResult {
  const targetId = spec.targetId ?? 'iis';
  const status = spec.status ?? 'UP';
  const totalMs = spec.totalMs ?? 12.5;
  const startedAt = new Date(spec.scheduledAt.getTime() + 150).toISOString();
  const failed = status === 'DOWN';
  const failureClass = spec.failureClass ?? 'TCP_REFUSED';
  const attempt = (n: number, ok: boolean): ProbeAttempt => ({
    attempt: n,
    startedAt,
    timings: {
      dnsMs: spec.dnsMs === undefined ? null : spec.dnsMs,
      tcpMs: spec.tcpMs === undefined ? totalMs * 0.2 : spec.tcpMs,
      tlsMs: spec.tlsMs === undefined ? null : spec.tlsMs,
      ttfbMs: ok ? totalMs * 0.6 : null,
      transferMs: ok ? totalMs * 0.2 : null,
      totalMs,
    },
    resolvedIp: '127.0.0.1',
    expectedIpMatches: true,
    localAddress: '127.0.0.1',
    localPort: 50_000 + n,
    httpVersion: ok ? '1.1' : null,
    statusCode: ok ? 200 : null,
    serverHeader: ok ? 'Microsoft-IIS/10.0' : null,
    bodyBytes: ok ? 703 : null,
    bodySha256: ok ? 'ab'.repeat(32) : null,
    bodyExcerpt: null,
    tls:
      spec.tlsDaysLeft === undefined
        ? null
        : {
            protocol: 'TLSv1.3',
            cipher: 'TLS_AES_256_GCM_SHA384',
            subject: 'CN=localhost',
            issuer: 'CN=Test CA',
            notAfter: new Date(spec.scheduledAt.getTime() + spec.tlsDaysLeft * 86_400_000).toISOString(),
            daysLeft: spec.tlsDaysLeft,
          },
    failure: ok
      ? null
      : { class: failureClass, phase: 'tcp', code: 'ECONNREFUSED', message: 'connection refused' },
  });
  const retries = spec.retries ?? 0;
  const attempts = [
    ...Array.from({ length: retries }, (_, i) => attempt(i + 1, false)),
    attempt(retries + 1, !failed),
  ];
  const final = attempts[attempts.length - 1] as ProbeAttempt;
  return {
    targetId,
    runId: spec.runId ?? `${targetId}@${spec.scheduledAt.toISOString()}`,
    scheduledAt: spec.scheduledAt.toISOString(),
    startedAt,
    status,
    reason: failed ? `${failureClass} in tcp` : status === 'DEGRADED' ? 'slow' : null,
    attempts,
    final,
    inMaintenance: spec.inMaintenance ?? false,
    connectionState: spec.connectionState ?? null,
  };
}

/** A store target (what the write path needs of a ProbeTarget). */
export function storeTarget(id = 'iis', thresholds = { failureThreshold: 3, successThreshold: 2 }) {
  return { id, displayName: `Target ${id}`, url: new URL('http://127.0.0.1/'), ...thresholds };
}

/** Deterministic pseudo-random numbers, so generated data is varied but reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}
