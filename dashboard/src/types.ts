/**
 * The JSON the page reads. Probe and dashboard bodies come from the server's own types; the approval
 * API's bodies are restated as far as the page uses them, because shared/api/core/api-schemas.ts pulls in
 * server-only modules that do not type-check against the DOM library (the OpenAPI test holds the
 * real responses to those schemas).
 */
import type { z } from 'zod';
import type {
  meSchema,
  probeEventListSchema,
  probeSeriesSchema,
} from '../../shared/dashboard/core/dashboard-schemas';
import type { evidenceSchema, ProbeEvent } from '../../shared/probe/core/probe-event';

// The probe and dashboard bodies are the server's own contracts (type-only imports: nothing of the
// server is bundled into the page), so the page cannot drift from what the routes send.
export type { ProbesSummary, TargetSummary } from '../../shared/probe/core/probe-summary-types';
export type { TargetState } from '../../shared/probe/core/types';
export type ProbeSeries = z.output<typeof probeSeriesSchema>;
export type SeriesPoint = ProbeSeries['points'][number];
export type Evidence = z.output<typeof evidenceSchema>;
export type { ProbeEvent };
export type ProbeEventList = z.output<typeof probeEventListSchema>;
export type Me = z.output<typeof meSchema>;

export const PHASES = ['dns', 'tcp', 'tls', 'ttfb', 'transfer'] as const;
export type Phase = (typeof PHASES)[number];

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
  /** The customer the connection belongs to (a valid onboarding code or an entitlement answer bound it); null when unknown. The page filters and searches by it. */
  readonly customer?: string | null;
  readonly lastDecision: { readonly actor: Actor; readonly rule: string | null; readonly at: string } | null;
  readonly policyVerdict: { readonly action: string; readonly reason: string } | null;
  /** ARM's ETag of the connection as read; sent back as If-Match so a decision applies to the state shown. */
  readonly etag?: string | null;
  /** When the approval ends (a rule's approveFor, a person's until); absent: it does not end. */
  readonly approvalEndsAt?: string | null;
  /** The two-person rule: approvals needed and given ("1 of 2"). */
  readonly approvals?: {
    readonly text: string;
    readonly firstBy: string | null;
    readonly lapsesAt: string | null;
  };
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
  /** The customer the decision bound the connection to, and the onboarding code check (never the code). */
  readonly customer?: string | null;
  readonly onboardingCode?: string | null;
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

/** A problem as health summarises it: one sentence, the first issues, how many in all. */
export interface HealthProblem {
  readonly message: string;
  readonly issues: readonly { readonly path: string; readonly message: string }[];
  readonly issueCount: number;
}

/** The reader-detail health report, as far as the page's banners use it. */
export interface HealthDetail {
  readonly status: 'healthy' | 'degraded' | 'unhealthy';
  /** Provider apps, reader detail: how new connections reached the app (event or reconciliation). */
  readonly eventFastPath?: { readonly line: string };
  readonly features?: Readonly<
    Record<
      string,
      {
        readonly state: string;
        /** Approval: `staticServices`, `discoveredServices`, `discovery`, `lastDiscoveryAt`, `lastDiscoveryError`. */
        readonly detail?: Readonly<Record<string, string | number>>;
        readonly problem?: HealthProblem;
        /** Approval: the last reconciliation runs, with a problem when they fail or have stopped. */
        readonly reconciliation?: { readonly problem?: HealthProblem };
      }
    >
  >;
  readonly dependencies: readonly {
    readonly name: string;
    readonly status: string;
    readonly reason?: string;
  }[];
}
