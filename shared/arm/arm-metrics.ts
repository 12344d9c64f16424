/**
 * Counts what the gateway asks of ARM, for the reconcile benchmark and for logs: HTTP requests by kind
 * (each attempt counts, since each costs ARM quota), retries by reason, and time spent inside ARM calls.
 * Injectable, so a benchmark or a test reads exactly its own figures.
 */
export type ArmCallKind = 'get' | 'list' | 'put' | 'delete' | 'poll';
export type ArmRetryReason = 'throttled' | 'server' | 'network';

export interface ArmMetricsSnapshot {
  /** HTTP requests sent, by kind (retries included). */
  readonly requests: Readonly<Record<ArmCallKind, number>>;
  readonly retries: Readonly<Record<ArmRetryReason, number>>;
  /** Total milliseconds slept between attempts. */
  readonly retryWaitMs: number;
  /** Requests held back to stay under ARM's remaining-requests budget, and for how long in total. */
  readonly pacedRequests: number;
  readonly pacingWaitMs: number;
  /** Gateway operations performed (one list of many pages is one operation). */
  readonly operations: number;
  /** Sum of the wall time of every gateway operation, retries and waits included. */
  readonly operationTimeMs: number;
  /** Sum of the time of every HTTP request on the wire. */
  readonly requestTimeMs: number;
}

export class ArmMetrics {
  private readonly requests: Record<ArmCallKind, number> = { get: 0, list: 0, put: 0, delete: 0, poll: 0 };
  private readonly retries: Record<ArmRetryReason, number> = { throttled: 0, server: 0, network: 0 };
  private retryWaitMs = 0;
  private pacedRequests = 0;
  private pacingWaitMs = 0;
  private operations = 0;
  private operationTimeMs = 0;
  private requestTimeMs = 0;

  recordRequest(kind: ArmCallKind, durationMs: number): void {
    this.requests[kind] += 1;
    this.requestTimeMs += durationMs;
  }

  recordRetry(reason: ArmRetryReason, waitMs: number): void {
    this.retries[reason] += 1;
    this.retryWaitMs += waitMs;
  }

  recordPacing(waitMs: number): void {
    this.pacedRequests += 1;
    this.pacingWaitMs += waitMs;
  }

  recordOperation(durationMs: number): void {
    this.operations += 1;
    this.operationTimeMs += durationMs;
  }

  snapshot(): ArmMetricsSnapshot {
    return {
      requests: { ...this.requests },
      retries: { ...this.retries },
      retryWaitMs: this.retryWaitMs,
      pacedRequests: this.pacedRequests,
      pacingWaitMs: this.pacingWaitMs,
      operations: this.operations,
      operationTimeMs: this.operationTimeMs,
      requestTimeMs: this.requestTimeMs,
    };
  }

  reset(): void {
    for (const key of Object.keys(this.requests) as ArmCallKind[]) this.requests[key] = 0;
    for (const key of Object.keys(this.retries) as ArmRetryReason[]) this.retries[key] = 0;
    this.retryWaitMs = 0;
    this.pacedRequests = 0;
    this.pacingWaitMs = 0;
    this.operations = 0;
    this.operationTimeMs = 0;
    this.requestTimeMs = 0;
  }
}

/** The kind of an ARM request, from its method and path. */
export function callKindOf(method: string, url: string): ArmCallKind {
  const upper = method.toUpperCase();
  if (upper === 'PUT' || upper === 'PATCH' || upper === 'POST') return 'put';
  if (upper === 'DELETE') return 'delete';
  const path = new URL(url).pathname.toLowerCase();
  if (/\/(operations|operationresults)\/[^/]+$/.test(path)) return 'poll';
  if (path.endsWith('/privateendpointconnections')) return 'list';
  return 'get';
}
