/** The JSON the page reads, as far as the page uses it (the routes' schemas are the full contract). */

export type TargetState = 'UP' | 'DEGRADED' | 'DOWN' | 'UNKNOWN';

export interface TargetSummary {
  readonly id: string;
  readonly displayName: string | null;
  readonly url: string | null;
  readonly state: TargetState;
  readonly since: string | null;
  readonly lastResult: {
    readonly status: string | null;
    readonly class: string | null;
    readonly phase: string | null;
    readonly reason: string | null;
    readonly at: string | null;
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
    readonly samples: number;
  };
  readonly certificateDaysLeft: number | null;
}

export interface ProbesSummary {
  readonly generatedAt: string;
  readonly targets: readonly TargetSummary[];
}

export const PHASES = ['dns', 'tcp', 'tls', 'ttfb', 'transfer'] as const;
export type Phase = (typeof PHASES)[number];

export interface SeriesPoint {
  readonly start: string;
  readonly runs: number;
  readonly up: number;
  readonly degraded: number;
  readonly down: number;
  readonly maintenance: number;
  readonly availability: number | null;
  readonly phasesMeanMs: Readonly<Record<Phase, number | null>>;
  readonly totalMeanMs: number | null;
  readonly totalP50Ms: number | null;
  readonly totalP95Ms: number | null;
  readonly failures: Readonly<Record<string, number>>;
}

export interface ProbeSeries {
  readonly target: { readonly id: string; readonly displayName: string | null };
  readonly range: string;
  readonly source: 'raw' | 'hour' | 'day';
  readonly bucketSeconds: number;
  readonly from: string;
  readonly to: string;
  readonly points: readonly SeriesPoint[];
}

export interface Evidence {
  readonly scheduledAt: string;
  readonly status: string;
  readonly failureClass: string | null;
  readonly phase: string | null;
  readonly code: string | null;
  readonly statusCode: number | null;
  readonly totalMs: number;
  readonly attempts: number;
  readonly reason: string | null;
  readonly connectionState: string | null;
}

export interface ProbeEvent {
  readonly targetId: string;
  readonly displayName: string | null;
  readonly at: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  readonly connectionState: string | null;
  readonly evidence: readonly Evidence[];
}

export interface ProbeEventList {
  readonly items: readonly ProbeEvent[];
  readonly truncated: boolean;
}

export interface Me {
  readonly name: string;
  readonly roles: readonly string[];
  readonly permissions: { readonly read: boolean; readonly approve: boolean };
  readonly authMode: 'easyauth' | 'dev';
}

export interface Actor {
  readonly kind: 'policy' | 'person';
  readonly name: string;
}

export interface Connection {
  readonly pls: { readonly id: string; readonly name: string };
  readonly name: string;
  readonly id: string;
  readonly status: string;
  readonly consumerSubscriptionId: string | null;
  readonly consumerTenantId: string | null;
  readonly requestMessage: string | null;
  readonly description: string | null;
  readonly lastDecision: { readonly actor: Actor; readonly rule: string | null; readonly at: string } | null;
  readonly policyVerdict: { readonly action: string; readonly reason: string } | null;
}

export interface ConnectionList {
  readonly items: readonly Connection[];
  readonly continuationToken: string | null;
}

export interface DecisionRecord {
  readonly kind: 'intent' | 'outcome' | 'verdict';
  readonly decisionId: string;
  readonly at: string;
  readonly pls: { readonly id: string; readonly name: string };
  readonly connectionId: string;
  readonly connectionName: string;
  readonly consumerSubscriptionId: string | null;
  readonly consumerTenantId: string | null;
  readonly requestMessage: string | null;
  readonly statusBefore: string;
  readonly action: string;
  readonly rule: string | null;
  readonly actor: Actor;
  readonly reason: string;
  readonly mode: string;
  readonly trigger: string;
  readonly result: string | null;
  readonly resultDetail: string | null;
  readonly statusAfter: string | null;
}

export interface DecisionList {
  readonly items: readonly DecisionRecord[];
  readonly continuationToken: string | null;
}

export interface Problem {
  readonly status?: number;
  readonly code?: string;
  readonly detail?: string;
}
