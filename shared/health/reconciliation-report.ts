/*
 * Whether reconciliation, the product's source of truth, is working: from the last outcome of the
 * timer and of the queue. A problem when the timer's last run failed, when a queue item failed
 * after the timer last worked (the timer has not covered it since), or when the timer has not
 * worked for MISSED_PERIODS schedule periods (it is not running, or every run dies before the end).
 */
import type { ReconcileOutcome } from '../approval/core/reconcile-outcome';
import type { LatestBySource } from '../approval/storage/reconcile-outcome-store';
import type { FieldIssue } from '../errors';
import { type ProblemSummary, summariseProblem } from './problem-summary';

/** Periods without a good timer run before health calls the runs missed (one late or slow run is not). */
export const MISSED_PERIODS = 3;

export interface RunView {
  readonly source: ReconcileOutcome['source'];
  readonly result: ReconcileOutcome['result'];
  readonly code: string | null;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly correlationId: string;
  readonly privateLinkServices: number;
  readonly connections: number;
  readonly failed: number;
}

export interface ReconciliationReport {
  /** The timer's last run, and the queue's; null when none was recorded. */
  readonly lastTimerRun: RunView | null;
  readonly lastQueueRun: RunView | null;
  /** When the timer last worked; null when it never did (or no run was recorded yet). */
  readonly lastSuccessAt: string | null;
  readonly problem?: ProblemSummary;
}

function view(o: ReconcileOutcome | undefined): RunView | null {
  if (o === undefined) return null;
  return {
    source: o.source,
    result: o.result,
    code: o.code,
    finishedAt: o.finishedAt.toISOString(),
    durationMs: o.finishedAt.getTime() - o.startedAt.getTime(),
    correlationId: o.correlationId,
    privateLinkServices: o.privateLinkServices,
    connections: o.connections,
    failed: o.failed,
  };
}

const WHAT: Record<Exclude<ReconcileOutcome['result'], 'ok'>, (o: ReconcileOutcome) => string> = {
  pls_failed: (o) =>
    `could not reconcile ${o.failed} of ${o.privateLinkServices} Private Link Services (${o.code}), so their new connections wait`,
  policy_invalid: () => 'decided nothing: the approval policy did not load',
  arm_credential_unavailable: () =>
    'decided nothing: no ARM token could be had (arm_credential_unavailable); check the app identity (AZURE_CLIENT_ID) and its role on the Private Link Services',
  failed: (o) => `failed (${o.code})`,
};

function failedRun(o: ReconcileOutcome): ProblemSummary {
  const what = o.source === 'timer' ? 'The last reconciliation run' : 'The last queued reconciliation';
  const issues: FieldIssue[] = o.failures.map((f) => ({ path: f.plsId, message: f.code }));
  const message = `${what} (${o.finishedAt.toISOString()}) ${WHAT[o.result === 'ok' ? 'failed' : o.result](o)}; invocation ${o.correlationId} in the app log has the details`;
  // The issue count is the number of failed PLS, so "…and N more" counts the ones left out.
  return { ...summariseProblem(message, issues), issueCount: Math.max(o.failed, issues.length) };
}

/** Pure: the report from the recorded outcomes, the time now and the timer's period. */
export function assessReconciliation(
  latest: LatestBySource,
  now: Date,
  periodMs: number,
): ReconciliationReport {
  const timer = latest.timer.last;
  const queue = latest.queue.last;
  const lastOk = latest.timer.lastOk;
  const base = {
    lastTimerRun: view(timer),
    lastQueueRun: view(queue),
    lastSuccessAt: lastOk?.finishedAt.toISOString() ?? null,
  };
  if (timer !== undefined && timer.result !== 'ok') return { ...base, problem: failedRun(timer) };
  if (queue !== undefined && queue.result !== 'ok' && queue.finishedAt > (lastOk?.finishedAt ?? new Date(0)))
    return { ...base, problem: failedRun(queue) };
  if (lastOk !== undefined && now.getTime() - lastOk.finishedAt.getTime() > MISSED_PERIODS * periodMs) {
    const minutes = Math.round(periodMs / 60_000);
    return {
      ...base,
      problem: summariseProblem(
        `No reconciliation run has worked since ${lastOk.finishedAt.toISOString()} although the timer runs every ${minutes < 1 ? `${Math.round(periodMs / 1000)} s` : `${minutes} min`}: the reconcileConnections timer may not be running (see the app's function list and log)`,
        [],
      ),
    };
  }
  return base;
}
