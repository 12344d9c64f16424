/**
 * Keeps a reconciliation run's outcome (the timer's, or one queue item's) where health reads it: ok,
 * some PLS failed with their codes, the policy did not load, or no ARM token. The run itself is
 * unchanged: its result is returned and its error rethrown (a failed queue item must still be
 * retried by the host). Recording is observation: a storage failure there is a warning, never the
 * run's failure.
 *
 *   start → run → outcome from its summary (or from its error) → record → return / rethrow
 */
import type { Clock } from '../../clock';
import { toAppError } from '../../errors';
import { type Log, logEvent } from '../../log';
import {
  outcomeOfFailure,
  outcomeOfRun,
  type ReconcileOutcome,
  type ReconcileSource,
} from '../core/reconcile-outcome';
import type { ReconcileOutcomeStore } from '../storage/reconcile-outcome-store';
import { type ManagedServices, managedIdsOf } from './managed-services';
import type { ReconcileRunSummary } from './reconcile-all';
import type { PlsReconcileSummary } from './reconcile-pls';

export interface OutcomeDeps {
  readonly runOutcomes: Pick<ReconcileOutcomeStore, 'record'>;
  readonly clock: Clock;
  readonly plsResourceIds: readonly string[];
  /** Adds the discovered services to the count of a run that failed as a whole. */
  readonly managedServices?: Pick<ManagedServices, 'managed'>;
}

export interface RunContext {
  readonly correlationId: string;
  readonly log: Log;
}

/** The timer's run; a run skipped for lack of configured PLS records nothing. */
export async function recordTimerRun(
  deps: OutcomeDeps,
  context: RunContext,
  run: () => Promise<ReconcileRunSummary | undefined>,
): Promise<ReconcileRunSummary | undefined> {
  const recording = recordingRun(deps, context, 'timer');
  let summary: ReconcileRunSummary | undefined;
  try {
    summary = await run();
  } catch (error) {
    // Nothing was decided for any configured PLS; the error (a policy, usually) is not any one PLS's.
    const privateLinkServices = (await managedIdsOf(deps, context.log)).length;
    await recording.failed(error, { privateLinkServices, plsIds: [] });
    throw error;
  }
  if (summary !== undefined)
    await recording.succeeded({
      privateLinkServices: summary.privateLinkServices,
      connections: summary.connections,
      unfinished: summary.unfinished.length,
      failedPrivateLinkServices: summary.failedPrivateLinkServices,
    });
  return summary;
}

/**
 * A run being recorded: created when the run starts, told how it ended. The queue item's use case
 * (reconcile-queued-pls.ts) tells it directly, so the way to the PUT gains no wrapper call.
 */
export interface RunRecording {
  /** The run ended with a summary. */
  succeeded(counts: Parameters<typeof outcomeOfRun>[1]): Promise<void>;
  /** The run failed for these PLS (the caller rethrows the error). */
  failed(
    error: unknown,
    scope: { readonly privateLinkServices: number; readonly plsIds: readonly string[] },
  ): Promise<void>;
}

export function recordingRun(deps: OutcomeDeps, context: RunContext, source: ReconcileSource): RunRecording {
  const startedAt = deps.clock.now();
  const timing = () => ({
    source,
    correlationId: context.correlationId,
    startedAt,
    finishedAt: deps.clock.now(),
  });
  return {
    succeeded: (counts) => keep(deps, context.log, outcomeOfRun(timing(), counts)),
    failed: (error, { privateLinkServices, plsIds }) =>
      keep(
        deps,
        context.log,
        outcomeOfFailure(timing(), toAppError(error).code, privateLinkServices, plsIds),
      ),
  };
}

/** What a queue item's summary counts for health. */
export function queueRunCounts(summary: PlsReconcileSummary): Parameters<typeof outcomeOfRun>[1] {
  return {
    privateLinkServices: 1,
    connections: summary.listed,
    unfinished: summary.unfinished,
    failedPrivateLinkServices: [],
  };
}

async function keep(deps: OutcomeDeps, log: Log, outcome: ReconcileOutcome): Promise<void> {
  try {
    await deps.runOutcomes.record(outcome);
  } catch (error) {
    logEvent(log, {
      level: 'warn',
      event: 'approval.reconcile.outcome_unrecorded',
      source: outcome.source,
      result: outcome.result,
      code: toAppError(error).code,
    });
  }
}
