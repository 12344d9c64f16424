import type { Log } from '../../log';
import type { WorkItemEvent } from '../core/reconcile-work-item';
import type { Trigger } from './approval-services';

/* What reconciling one PLS is told (its context) and what it reports (its summary). */

export type OutcomeCounts = Record<
  'applied' | 'dryRun' | 'noOp' | 'refused' | 'claimed' | 'stale' | 'failed' | 'manual' | 'settled',
  number
>;

export interface PlsReconcileSummary {
  readonly plsId: string;
  readonly listed: number;
  readonly outcomes: OutcomeCounts;
  readonly drift: { readonly appeared: number; readonly vanished: number; readonly changed: number };
  /** New connections recorded for the fast path statistics (none on a PLS's first list). */
  readonly arrivals: number;
  /** Decisions left undone because the time budget ran out: a continuation must follow. */
  readonly unfinished: number;
  readonly durationMs: number;
}

export interface ReconcileContext {
  readonly trigger: Trigger;
  readonly correlationId: string;
  readonly log: Log;
  /** No decision batch starts at or after this moment; what is left is counted as `unfinished`. */
  readonly deadline?: Date | undefined;
  /** The event that asked for this run, if one did (the fast path statistics credit it). */
  readonly event?: WorkItemEvent | undefined;
  /** Decisions per batch (tests make it small to cut a run between batches). */
  readonly decisionBatch?: number;
}

export function emptyCounts(): OutcomeCounts {
  return {
    applied: 0,
    dryRun: 0,
    noOp: 0,
    refused: 0,
    claimed: 0,
    stale: 0,
    failed: 0,
    manual: 0,
    settled: 0,
  };
}
