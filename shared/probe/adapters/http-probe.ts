/*
 * The probe engine: one run of one target (http, tcp or dns by its kind). Up to 1 + `retries` attempts, each on a fresh
 * connection; the verdict is UP, DEGRADED (slower than the SLO, passed only on a retry, or reached
 * an address other than the expected private endpoint IP) or DOWN (the last attempt's failure). It never throws for a probe failure: failures are results.
 *
 * `inMaintenance` and `connectionState` are left false/null: the run use case knows the windows
 * and the PLS connection state and fills them in.
 */
import { createHash } from 'node:crypto';
import type { ProbeAttempt, ProbeResult, ProbeRunner, ProbeTarget, ResultStatus } from '../core/types';
import { runDnsAttempt } from './dns-attempt';
import { type AttemptInput, runHttpAttempt } from './http-attempt';
import { runTcpAttempt } from './tcp-attempt';

export interface HttpProbeOptions {
  /** One attempt; replaceable so the retry and verdict logic can be tested on its own. */
  readonly attempt?: (input: AttemptInput) => Promise<ProbeAttempt>;
}

/** Stable per target and scheduled time, so a retried run (at-least-once delivery) writes the same rows. */
export function probeRunId(targetId: string, scheduledAt: Date): string {
  return createHash('sha256').update(`${targetId}\n${scheduledAt.toISOString()}`).digest('hex').slice(0, 32);
}

export function createHttpProbe(options: HttpProbeOptions = {}): ProbeRunner {
  const attempt = options.attempt ?? runHttpAttempt;
  return async (target, run) => {
    const attempts: ProbeAttempt[] = [];
    for (let n = 1; n <= 1 + target.retries; n++) {
      const result = await attempt({ target, attempt: n, signal: run.signal });
      attempts.push(result);
      if (result.failure === null || run.signal.aborted) break;
    }
    return verdict(target, run.scheduledAt, attempts);
  };
}

/** The http engine (the run use case loads this module lazily and calls it per target). */
export const probeHttpTarget: ProbeRunner = createHttpProbe();

/**
 * The engine the product uses: each target by its kind. Every kind shares the retry and verdict
 * rules above (a tcp or dns attempt is an attempt like any other); http stays the default.
 */
export function createProbe(
  attempts: { readonly [K in 'tcp' | 'dns']?: (input: AttemptInput) => Promise<ProbeAttempt> } = {},
): ProbeRunner {
  const http = createHttpProbe();
  const tcp = createHttpProbe({ attempt: attempts.tcp ?? runTcpAttempt });
  const dns = createHttpProbe({ attempt: attempts.dns ?? runDnsAttempt });
  return (target, run) => {
    switch (target.kind ?? 'http') {
      case 'http':
        return http(target, run);
      case 'tcp':
        return tcp(target, run);
      case 'dns':
        return dns(target, run);
    }
  };
}

export const probeTarget: ProbeRunner = createProbe();

function verdict(target: ProbeTarget, scheduledAt: Date, attempts: readonly ProbeAttempt[]): ProbeResult {
  const first = attempts[0];
  const final = attempts[attempts.length - 1];
  if (first === undefined || final === undefined) throw new Error('a probe run makes at least one attempt');
  const { status, reason } = judge(target, attempts, final);
  return {
    targetId: target.id,
    runId: probeRunId(target.id, scheduledAt),
    scheduledAt: scheduledAt.toISOString(),
    startedAt: first.startedAt,
    status,
    reason,
    attempts,
    final,
    inMaintenance: false,
    connectionState: null,
  };
}

function judge(
  target: ProbeTarget,
  attempts: readonly ProbeAttempt[],
  final: ProbeAttempt,
): { status: ResultStatus; reason: string | null } {
  if (final.failure !== null) {
    const f = final.failure;
    const tries = attempts.length > 1 ? ` (all ${attempts.length} attempts failed)` : '';
    return { status: 'DOWN', reason: `${f.class} in ${f.phase} (${f.code}): ${f.message}${tries}` };
  }
  const reasons: string[] = [];
  const failed = attempts.filter((a) => a.failure !== null);
  const lastFailure = failed[failed.length - 1]?.failure;
  if (lastFailure != null) {
    reasons.push(
      `passed on attempt ${final.attempt} of ${1 + target.retries}; before: ${lastFailure.class} in ${lastFailure.phase} (${lastFailure.code})`,
    );
  }
  if (final.expectedIpMatches === false) {
    // It answered, but not through the private endpoint we meant to test (DNS points elsewhere).
    reasons.push(`resolved ${final.resolvedIp ?? 'nothing'}, expected ${target.expectedIp ?? '?'}`);
  }
  const slo = target.latencySloMs;
  if (slo !== undefined && final.timings.totalMs > slo) {
    reasons.push(`total ${final.timings.totalMs.toFixed(1)} ms is above the ${slo} ms SLO`);
  }
  return reasons.length > 0
    ? { status: 'DEGRADED', reason: reasons.join('; ') }
    : { status: 'UP', reason: null };
}
