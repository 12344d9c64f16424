/**
 * Wraps a reconciliation run (the timer's, or one queue item's) so its outcome is kept where
 * health reads it: ok, some PLS failed with their codes, the policy did not load, or no ARM token.
 * The run itself is unchanged: its result is returned and its error rethrown (a failed queue item
 * must still be retried by the host). Recording is observation: a storage failure there is a
 * warning, never the run's failure.
 *
 *   run → outcome from its summary (or from its error) → record → return / rethrow
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
import { parseWorkItem } from '../core/reconcile-work-item';
import type { ReconcileOutcomeStore } from '../storage/reconcile-outcome-store';
import type { ReconcileRunSummary } from './reconcile-all';
import type { PlsReconcileSummary } from './reconcile-pls';

export interface OutcomeDeps {
  readonly runOutcomes: Pick<ReconcileOutcomeStore, 'record'>;
  readonly clock: Clock;
  readonly plsResourceIds: readonly string[];
}

interface RunContext {
  readonly correlationId: string;
  readonly log: Log;
}

/** The timer's run; a run skipped for lack of configured PLS records nothing. */
export async function recordTimerRun(
  deps: OutcomeDeps,
  context: RunContext,
  run: () => Promise<ReconcileRunSummary | undefined>,
): Promise<ReconcileRunSummary | undefined> {
  return recorded(deps, context, 'timer', run, {
    ofSummary: (s) => ({
      privateLinkServices: s.privateLinkServices,
      connections: s.connections,
      unfinished: s.unfinished.length,
      failedPrivateLinkServices: s.failedPrivateLinkServices,
    }),
    // Nothing was decided for any configured PLS; the error (a policy, usually) is not any one PLS's.
    ofError: () => ({ privateLinkServices: deps.plsResourceIds.length, plsIds: [] }),
  });
}

/** One queue item's run; an item dropped (malformed, PLS no longer managed) records nothing. */
export async function recordQueueRun(
  deps: OutcomeDeps,
  context: RunContext,
  message: unknown,
  run: () => Promise<PlsReconcileSummary | undefined>,
): Promise<PlsReconcileSummary | undefined> {
  return recorded(deps, context, 'queue', run, {
    ofSummary: (s) => ({
      privateLinkServices: 1,
      connections: s.listed,
      unfinished: s.unfinished,
      failedPrivateLinkServices: [],
    }),
    ofError: () => ({ privateLinkServices: 1, plsIds: [plsIdOf(message)] }),
  });
}

async function recorded<T>(
  deps: OutcomeDeps,
  context: RunContext,
  source: ReconcileSource,
  run: () => Promise<T | undefined>,
  describe: {
    readonly ofSummary: (summary: T) => Parameters<typeof outcomeOfRun>[1];
    readonly ofError: () => { readonly privateLinkServices: number; readonly plsIds: readonly string[] };
  },
): Promise<T | undefined> {
  const startedAt = deps.clock.now();
  const timing = () => ({
    source,
    correlationId: context.correlationId,
    startedAt,
    finishedAt: deps.clock.now(),
  });
  let summary: T | undefined;
  try {
    summary = await run();
  } catch (error) {
    const { privateLinkServices, plsIds } = describe.ofError();
    await keep(
      deps,
      context.log,
      outcomeOfFailure(timing(), toAppError(error).code, privateLinkServices, plsIds),
    );
    throw error;
  }
  if (summary !== undefined)
    await keep(deps, context.log, outcomeOfRun(timing(), describe.ofSummary(summary)));
  return summary;
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

/** The PLS a queue item names, when it can be read at all (a malformed item is dropped before it could fail). */
function plsIdOf(message: unknown): string {
  try {
    return parseWorkItem(message).plsId;
  } catch {
    return 'unreadable work item';
  }
}
