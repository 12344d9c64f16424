/**
 * The `reconcileQueuedPls` use case: one work item from the reconciliation queue (an event's "PLS X
 * may have changed", or the continuation of a run that ran out of time) reconciles that PLS within
 * this invocation's time budget, and queues its own continuation if decisions are left.
 *
 * The run's outcome is kept for health (record-reconcile-outcome.ts) by this use case itself.
 *
 *   parse the item → (event) drop the de-duplication marker → reconcile (budgeted) → continue if
 *   unfinished → outcome kept for health
 */
import { sameResourceId } from '../../arm/resource-id';
import { toAppError } from '../../errors';
import { logEvent } from '../../log';
import type { Policy } from '../core/policy/policy';
import { continuationOf, parseWorkItem } from '../core/reconcile-work-item';
import type { RunDeps } from './approval-services';
import { managedIdsOf } from './managed-services';
import { coalescedPerPls } from './reconcile-all';
import { type PlsReconcileSummary, reconcilePrivateLinkService } from './reconcile-pls';
import { type OutcomeDeps, queueRunCounts, type RunContext, recordingRun } from './record-reconcile-outcome';

/** The ports of one queue item's run: the run's own, and where its outcome is kept for health. */
export type QueuedPlsDeps = RunDeps & OutcomeDeps;

export async function reconcileQueuedPls(
  deps: QueuedPlsDeps,
  loadPolicy: () => Promise<Policy>,
  message: unknown,
  context: RunContext,
): Promise<PlsReconcileSummary | undefined> {
  const { log } = context;
  const recording = recordingRun(deps, context, 'queue');
  let item: ReturnType<typeof parseWorkItem>;
  try {
    item = parseWorkItem(message);
  } catch (error) {
    // The same bytes would fail again: dropped with a warning, not retried into the poison queue.
    logEvent(log, { level: 'warn', event: 'approval.queue.malformed', issues: toAppError(error).issues });
    return undefined;
  }
  const managed = await managedIdsOf(deps, log);
  const configured = managed.find((id) => sameResourceId(id, item.plsId));
  if (configured === undefined) {
    logEvent(log, {
      event: 'approval.queue.ignored',
      pls: item.plsId,
      reason: 'no longer in PLS_RESOURCE_IDS nor discovered',
    });
    return undefined;
  }
  if (item.cause === 'event' && deps.mode === 'off') {
    logEvent(log, { event: 'approval.queue.ignored', pls: configured, reason: 'APPROVAL_MODE is off' });
    return undefined;
  }
  let summary: PlsReconcileSummary;
  try {
    const policy = await loadPolicy();
    // From here on an event for this PLS must queue a new run: this run's list may predate its change.
    if (item.cause === 'event' && item.round === 0) await deps.workQueue.started(configured);
    const startedAt = deps.clock.now();
    summary = await coalescedPerPls(deps, configured, () =>
      reconcilePrivateLinkService(deps, policy, configured, {
        trigger: item.cause === 'event' ? 'event' : 'timer',
        correlationId: item.correlationId,
        log,
        deadline: new Date(startedAt.getTime() + deps.timeBudgetMs),
        event: item.event,
      }),
    );
    if (summary.unfinished > 0) {
      const next = continuationOf(item, summary.unfinished, deps.clock.now());
      // A lost continuation is not lost work: the timer reconciles the PLS on its next run.
      await deps.workQueue.enqueue(next, { dedupe: false });
      logEvent(log, {
        event: 'approval.reconcile.continued',
        pls: configured,
        remaining: summary.unfinished,
        round: next.round,
      });
    }
  } catch (error) {
    await recording.failed(error, { privateLinkServices: 1, plsIds: [configured] });
    throw error;
  }
  await recording.succeeded(queueRunCounts(summary));
  logEvent(log, {
    event: 'approval.queue.reconciled',
    pls: configured,
    cause: item.cause,
    round: item.round,
    eventId: item.event?.id,
    outcomes: summary.outcomes,
    drift: summary.drift,
    arrivals: summary.arrivals,
    unfinished: summary.unfinished,
    durationMs: summary.durationMs,
  });
  return summary;
}
