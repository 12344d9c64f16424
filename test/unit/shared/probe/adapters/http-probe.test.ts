import { describe, expect, it } from 'vitest';
import type { AttemptInput } from '../../../../../shared/probe/adapters/http-attempt';
import { createHttpProbe, probeRunId } from '../../../../../shared/probe/adapters/http-probe';
import { parseProbeTargets } from '../../../../../shared/probe/adapters/targets';
import type { ProbeAttempt, ProbeFailure, ProbeTarget } from '../../../../../shared/probe/core/types';

// The retry and verdict rules on their own; real sockets are in the integration tests.
const RESET: ProbeFailure = {
  class: 'TCP_RESET',
  phase: 'transfer',
  code: 'ECONNRESET',
  message: 'read ECONNRESET',
};

function attempt(n: number, failure: ProbeFailure | null, totalMs = 10): ProbeAttempt {
  return {
    attempt: n,
    startedAt: new Date(Date.UTC(2026, 0, 1, 10, 0, n)).toISOString(),
    timings: { dnsMs: null, tcpMs: 1, tlsMs: null, ttfbMs: 2, transferMs: 1, totalMs },
    resolvedIp: '127.0.0.1',
    expectedIpMatches: null,
    localAddress: '127.0.0.1',
    localPort: 40000 + n,
    httpVersion: '1.1',
    statusCode: failure === null ? 200 : null,
    serverHeader: null,
    bodyBytes: null,
    bodySha256: null,
    bodyExcerpt: null,
    tls: null,
    failure,
  };
}

function target(extra: Record<string, unknown> = {}): ProbeTarget {
  const [t] = parseProbeTargets(JSON.stringify([{ id: 'web', url: 'http://127.0.0.1/', ...extra }]));
  if (t === undefined) throw new Error('no target');
  return t;
}

/** A runner whose attempts follow a script, recording what it was asked. */
function scripted(script: Array<ProbeFailure | null>, totalMs = 10) {
  const calls: AttemptInput[] = [];
  const runner = createHttpProbe({
    attempt: async (input) => {
      calls.push(input);
      return attempt(input.attempt, script[input.attempt - 1] ?? null, totalMs);
    },
  });
  return { runner, calls };
}

const scheduledAt = new Date('2026-01-01T10:00:00.000Z');
const run = { scheduledAt, signal: new AbortController().signal };

describe('createHttpProbe', () => {
  it('stops at the first success: UP, one attempt, stable run id', async () => {
    const { runner, calls } = scripted([null]);
    const result = await runner(target({ retries: 3 }), run);
    expect(calls).toHaveLength(1);
    expect(result).toMatchObject({
      targetId: 'web',
      status: 'UP',
      reason: null,
      scheduledAt: '2026-01-01T10:00:00.000Z',
      startedAt: '2026-01-01T10:00:01.000Z',
      inMaintenance: false,
      connectionState: null,
    });
    expect(result.runId).toBe(probeRunId('web', scheduledAt));
  });

  it('retries failures up to `retries` times, DEGRADED when a retry passes', async () => {
    const { runner, calls } = scripted([RESET, RESET, null]);
    const result = await runner(target({ retries: 2 }), run);
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(result.status).toBe('DEGRADED');
    expect(result.reason).toBe('passed on attempt 3 of 3; before: TCP_RESET in transfer (ECONNRESET)');
    expect(result.final.attempt).toBe(3);
  });

  it('is DOWN with the last failure when every attempt fails', async () => {
    const { runner } = scripted([RESET, { ...RESET, code: 'EPIPE', message: 'write EPIPE' }]);
    const result = await runner(target({ retries: 1 }), run);
    expect(result.status).toBe('DOWN');
    expect(result.reason).toBe('TCP_RESET in transfer (EPIPE): write EPIPE (all 2 attempts failed)');
  });

  it('does not retry once the run is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { runner, calls } = scripted([RESET, null]);
    const result = await runner(target({ retries: 3 }), { scheduledAt, signal: controller.signal });
    expect(calls).toHaveLength(1);
    expect(result.status).toBe('DOWN');
  });

  it('is DEGRADED above the latency SLO, with both reasons when also retried', async () => {
    expect((await scripted([null], 250).runner(target({ latencySloMs: 200 }), run)).reason).toBe(
      'total 250.0 ms is above the 200 ms SLO',
    );
    expect((await scripted([null], 150).runner(target({ latencySloMs: 200 }), run)).status).toBe('UP');
    const both = await scripted([RESET, null], 250).runner(target({ latencySloMs: 200, retries: 1 }), run);
    expect(both.reason).toBe(
      'passed on attempt 2 of 2; before: TCP_RESET in transfer (ECONNRESET); total 250.0 ms is above the 200 ms SLO',
    );
  });
});

describe('probeRunId', () => {
  it('depends on the target and the scheduled time only', () => {
    const a = probeRunId('web', new Date('2026-01-01T10:00:00Z'));
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(probeRunId('web', new Date('2026-01-01T10:00:00Z'))).toBe(a);
    expect(probeRunId('web', new Date('2026-01-01T10:01:00Z'))).not.toBe(a);
    expect(probeRunId('api', new Date('2026-01-01T10:00:00Z'))).not.toBe(a);
  });
});
