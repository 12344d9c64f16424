import { describe, expect, it } from 'vitest';
import { renderExposition } from '../../../../../shared/probe/core/exposition';
import { buildProbeMetrics, PHASE_BUCKET_BOUNDS_MS } from '../../../../../shared/probe/core/probe-metrics';
import type { TargetSummary } from '../../../../../shared/probe/core/probe-summary-types';
import { addResult, emptyRollup } from '../../../../../shared/probe/core/rollup';
import { probeResult } from '../../../../helpers/probe-results';

const target = (overrides: Partial<TargetSummary> = {}): TargetSummary => {
  const counts = { count: 0, up: 0, degraded: 0, down: 0, maintenance: 0, notApproved: 0 };
  return {
    id: 'web',
    displayName: 'Web',
    url: 'http://127.0.0.1/',
    state: 'DOWN',
    condition: 'awaiting-approval',
    since: null,
    consecutiveFailures: 4,
    consecutiveSuccesses: 0,
    lastResult: {
      status: 'DOWN',
      class: null,
      phase: null,
      code: null,
      statusCode: null,
      totalMs: null,
      at: '2026-12-07T01:00:00.000Z',
      reason: null,
      inMaintenance: false,
      connectionState: 'Pending',
    },
    availability: { h24: null, d7: 0.5, d30: 0.75 },
    latency24h: { p50Ms: null, p95Ms: null, maxMs: null, samples: 0 },
    runs24h: counts,
    history24h: [],
    certificateDaysLeft: null,
    certificateNotAfter: null,
    ...overrides,
  };
};

describe('the probe metrics builder', () => {
  it('counts each sample in the first bucket whose bound is at or above it, exactly at the edges', () => {
    const day = emptyRollup();
    const at = new Date('2026-12-07T00:10:00Z');
    // Just under, and well over, a bound: 0.99 ms and 1.01 ms; 31.9 s; 40 s (only +Inf).
    for (const totalMs of [0.99, 1.01, 31_900, 40_000])
      addResult(day, probeResult({ scheduledAt: at, totalMs }));
    const text = renderExposition(
      buildProbeMetrics({ targets: [target()], today: new Map([['web', day]]), lastRun: null }),
      'prometheus',
    );
    const bucket = (le: string) =>
      Number(
        new RegExp(
          `phase_duration_seconds_bucket\\{target="web",phase="total",le="${le.replace(/[.+]/g, '\\$&')}"\\} (\\d+)`,
        ).exec(text)?.[1],
      );
    expect(bucket('0.001')).toBe(1);
    expect(bucket('0.002')).toBe(2);
    expect(bucket('16.384')).toBe(2);
    expect(bucket('32.768')).toBe(3);
    expect(bucket('+Inf')).toBe(4);
    expect(PHASE_BUCKET_BOUNDS_MS).toHaveLength(16);
  });

  it('shows the state as one 1 among 0s, leaves out availability windows with no judged run, and run figures without a run', () => {
    const families = buildProbeMetrics({ targets: [target()], today: new Map(), lastRun: null });
    const text = renderExposition(families, 'prometheus');
    expect(text).toContain('gatekeeper_probe_target_state{target="web",state="awaiting-approval"} 1\n');
    expect(text.match(/target_state\{[^}]*\} 1\n/g)).toHaveLength(1);
    expect(text).not.toContain('window="24h"');
    expect(text).toContain('gatekeeper_probe_availability_ratio{target="web",window="7d"} 0.5\n');
    expect(text).toContain('gatekeeper_probe_runs_total{target="web",result="not_approved"} 0\n');
    expect(families.some((f) => f.name.startsWith('gatekeeper_probe_run_last'))).toBe(false);
  });

  it('gives the error budget of a target with an objective (remaining, objective, burn per rule and window, firing) and none without', () => {
    const budget: NonNullable<TargetSummary['budget']> = {
      windowDays: 30,
      usedPercent: 54.054,
      remainingPercent: 45.946,
      objective: { availabilityPercent: 99.9, latencyMs: null, latencyTargetPercent: 99 },
      availabilityPercent: 99.946,
      objectiveMet: true,
      runs: {
        counted: 37_000,
        down: 20,
        allowedDown: 37,
        maintenance: 60,
        notApproved: 120,
        excludedPercent: 0.483,
      },
      latency: { withinObjectivePercent: null, objectiveMet: null },
      burn: [
        {
          rule: 'page-fast',
          severity: 'page',
          threshold: 14.4,
          longMinutes: 60,
          shortMinutes: 5,
          longBurn: 20.5,
          shortBurn: null,
          firing: true,
          alertSince: '2026-12-07T00:55:00.000Z',
        },
        {
          rule: 'ticket',
          severity: 'ticket',
          threshold: 1,
          longMinutes: 4_320,
          shortMinutes: 360,
          longBurn: 0.25,
          shortBurn: 0,
          firing: false,
          alertSince: null,
        },
      ],
    };
    const text = renderExposition(
      buildProbeMetrics({
        targets: [target({ budget }), target({ id: 'plain' })],
        today: new Map(),
        lastRun: null,
      }),
      'prometheus',
    );
    expect(text).toContain('gatekeeper_probe_slo_objective_ratio{target="web",window_days="30"} 0.999\n');
    expect(text).toContain('gatekeeper_probe_slo_budget_remaining_ratio{target="web"} 0.45946\n');
    expect(text).toContain(
      'gatekeeper_probe_slo_burn_rate{target="web",rule="page-fast",window="long"} 20.5\n',
    );
    expect(text).toContain(
      'gatekeeper_probe_slo_burn_rate{target="web",rule="page-fast",window="short"} +Inf\n',
    );
    expect(text).toContain('gatekeeper_probe_slo_burn_rate{target="web",rule="ticket",window="short"} 0\n');
    expect(text).toContain('gatekeeper_probe_slo_burn_alert_firing{target="web",rule="page-fast"} 1\n');
    expect(text).toContain('gatekeeper_probe_slo_burn_alert_firing{target="web",rule="ticket"} 0\n');
    expect(text).not.toMatch(/gatekeeper_probe_slo_[a-z_]+\{target="plain"/);
  });
});
