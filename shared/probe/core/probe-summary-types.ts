import type { TargetState } from './types';

/**
 * The body of GET /api/probes/summary. Kept free of runtime imports so the dashboard's browser
 * code can share it instead of restating it.
 */
export interface TargetSummary {
  readonly id: string;
  readonly displayName: string | null;
  readonly url: string | null;
  readonly state: TargetState;
  readonly since: string | null;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  readonly lastResult: {
    readonly status: string | null;
    readonly class: string | null;
    readonly phase: string | null;
    readonly code: string | null;
    readonly statusCode: number | null;
    readonly totalMs: number | null;
    readonly at: string | null;
    readonly reason: string | null;
    readonly inMaintenance: boolean;
    readonly connectionState: string | null;
  };
  readonly availability: {
    readonly h24: number | null;
    readonly d7: number | null;
    readonly d30: number | null;
  };
  readonly latency24h: {
    readonly p50Ms: number | null;
    readonly p95Ms: number | null;
    readonly maxMs: number | null;
    readonly samples: number;
  };
  readonly runs24h: {
    readonly count: number;
    readonly up: number;
    readonly degraded: number;
    readonly down: number;
    readonly maintenance: number;
  };
  readonly certificateDaysLeft: number | null;
  readonly certificateNotAfter: string | null;
}

export interface ProbesSummary {
  readonly generatedAt: string;
  readonly targets: readonly TargetSummary[];
  /**
   * Set when the configured targets do not load: nothing new is probed, and `targets` holds only what
   * was probed before. An empty board then says why instead of "no results yet".
   */
  readonly targetsProblem?: {
    readonly message: string;
    readonly issues: readonly { readonly path: string; readonly message: string }[];
    readonly issueCount: number;
  };
}
