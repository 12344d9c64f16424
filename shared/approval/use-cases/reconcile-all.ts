/**
 * Reconciliation over many Private Link Services: the timer's use case (every configured PLS) and
 * the shared per-PLS coalescing. Each invocation has a time budget; a PLS it could not finish, or
 * not start, is handed to the work queue as a continuation, so a backlog larger than one function
 * timeout is worked off over several invocations instead of being cut off.
 */
import { mapWithConcurrency } from '../../async/map-with-concurrency';
import { isAppError, toAppError } from '../../errors';
import { type Log, logEvent } from '../../log';
import { plsKey } from '../../storage/table-keys';
import { Coalescer } from '../core/concurrency';
import type { Policy } from '../core/policy/policy';
import { continuationOf, type ReconcileWorkItem } from '../core/reconcile-work-item';
import type { ReconcileDeps, RunDeps } from './approval-services';
import { readFastPathStats } from './read-fast-path-stats';
import {
  emptyCounts,
  type OutcomeCounts,
  type PlsReconcileSummary,
  type ReconcileContext,
  reconcilePrivateLinkService,
} from './reconcile-pls';

export interface ReconcileRunSummary {
  readonly privateLinkServices: number;
  readonly failedPrivateLinkServices: readonly { readonly plsId: string; readonly code: string }[];
  readonly connections: number;
  readonly outcomes: OutcomeCounts;
  readonly drift: { appeared: number; vanished: number; changed: number };
  /** PLS whose decisions were cut by the time budget (with how many remain), or that were not started. */
  readonly unfinished: readonly { readonly plsId: string; readonly remaining: number | null }[];
  readonly durationMs: number;
}

/** Runs of one PLS in this instance share one in-flight reconciliation (plus one queued); an instance is one set of services. */
const coalescers = new WeakMap<ReconcileDeps, Coalescer<PlsReconcileSummary>>();

/**
 * Runs `reconcile` (one PLS's reconciliation) coalesced with any run of the same PLS already in
 * progress in this instance. It adds no logic of its own, so callers name the reconciliation they
 * coalesce.
 */
export function coalescedPerPls(
  services: ReconcileDeps,
  plsId: string,
  reconcile: () => Promise<PlsReconcileSummary>,
): Promise<PlsReconcileSummary> {
  let perPls = coalescers.get(services);
  if (perPls === undefined) {
    perPls = new Coalescer<PlsReconcileSummary>();
    coalescers.set(services, perPls);
  }
  return perPls.run(plsKey(plsId), reconcile);
}

/**
 * Every given PLS, `concurrency` at a time; one PLS failing (ARM down for it, throttled past the
 * retry budget) is logged and does not stop the others. With a deadline, a PLS not started by then
 * is left for a continuation (listed in `unfinished` with `remaining: null`).
 */
export async function reconcileAll(
  services: ReconcileDeps,
  policy: Policy,
  plsIds: readonly string[],
  concurrency: number,
  context: ReconcileContext,
): Promise<ReconcileRunSummary> {
  const started = performance.now();
  const failedPrivateLinkServices: { plsId: string; code: string }[] = [];
  const unfinished: { plsId: string; remaining: number | null }[] = [];
  const outcomes = emptyCounts();
  const drift = { appeared: 0, vanished: 0, changed: 0 };
  let connections = 0;
  await mapWithConcurrency(plsIds, concurrency, async (plsId) => {
    if (context.deadline !== undefined && services.clock.now() >= context.deadline) {
      unfinished.push({ plsId, remaining: null });
      return;
    }
    try {
      const summary = await coalescedPerPls(services, plsId, () =>
        reconcilePrivateLinkService(services, policy, plsId, context),
      );
      connections += summary.listed;
      for (const key of Object.keys(outcomes) as (keyof OutcomeCounts)[])
        outcomes[key] += summary.outcomes[key];
      drift.appeared += summary.drift.appeared;
      drift.vanished += summary.drift.vanished;
      drift.changed += summary.drift.changed;
      if (summary.unfinished > 0) unfinished.push({ plsId, remaining: summary.unfinished });
    } catch (error) {
      const appError = toAppError(error);
      failedPrivateLinkServices.push({ plsId, code: appError.code });
      logEvent(context.log, {
        event: 'approval.reconcile.pls_failed',
        pls: plsId,
        code: appError.code,
        upstreamCode: appError.upstreamCode,
      });
    }
  });
  return {
    privateLinkServices: plsIds.length,
    failedPrivateLinkServices,
    connections,
    outcomes,
    drift,
    unfinished,
    durationMs: Math.round(performance.now() - started),
  };
}

/**
 * The `reconcileConnections` timer's use case: every configured PLS against the policy within the
 * time budget, continuations queued for what is left, one summary line and one fast path line.
 *
 *   load the policy → reconcile every PLS (budgeted) → queue continuations → log summary + fast path
 */
export async function reconcileConfigured(
  deps: RunDeps,
  loadPolicy: () => Promise<Policy>,
  context: { readonly correlationId: string; readonly log: Log },
): Promise<ReconcileRunSummary | undefined> {
  const { log } = context;
  // Resource Graph is asked once per run; a failed discovery keeps the last known list (managed-services.ts).
  const plsIds =
    deps.managedServices === undefined ? deps.plsResourceIds : await deps.managedServices.refresh(log);
  if (plsIds.length === 0) {
    logEvent(log, {
      event: 'approval.reconcile.skipped',
      reason: 'PLS_RESOURCE_IDS is empty and no service was discovered',
    });
    return undefined;
  }
  let policy: Policy;
  try {
    policy = await loadPolicy();
  } catch (error) {
    // A bad policy decides nothing; the failed invocation makes it visible in monitoring.
    if (isAppError(error))
      logEvent(log, {
        level: 'error',
        event: 'approval.policy_invalid',
        detail: error.message,
        issues: error.issues,
      });
    throw error;
  }
  const startedAt = deps.clock.now();
  const summary = await reconcileAll(deps, policy, plsIds, deps.reconcileConcurrency, {
    trigger: 'timer',
    correlationId: context.correlationId,
    log,
    deadline: new Date(startedAt.getTime() + deps.timeBudgetMs),
  });
  await queueContinuations(deps, summary.unfinished, context.correlationId, log);
  logEvent(log, {
    ...(summary.failedPrivateLinkServices.length > 0 ? { level: 'warn' as const } : {}),
    event: 'approval.reconcile.summary',
    mode: deps.mode,
    policyVersion: policy.version,
    ...summary,
  });
  await logFastPath(deps, log);
  return summary;
}

export async function queueContinuations(
  deps: RunDeps,
  unfinished: ReconcileRunSummary['unfinished'],
  correlationId: string,
  log: Log,
): Promise<void> {
  const now = deps.clock.now();
  for (const { plsId, remaining } of unfinished) {
    const first: ReconcileWorkItem = {
      v: 1,
      plsId,
      cause: 'timer',
      round: 0,
      correlationId,
      enqueuedAt: now.toISOString(),
    };
    const item = remaining === null ? first : continuationOf(first, remaining, now);
    try {
      await deps.workQueue.enqueue(item, { dedupe: false });
      logEvent(log, { event: 'approval.reconcile.continued', pls: plsId, remaining, round: item.round });
    } catch (error) {
      // The next timer run reconciles the PLS anyway; only the head start is lost.
      logEvent(log, {
        level: 'warn',
        event: 'approval.reconcile.continuation_lost',
        pls: plsId,
        code: toAppError(error).code,
      });
    }
  }
}

/** The fast path line, after every run; observation only, so a read failure is a warning. */
export async function logFastPath(deps: Pick<RunDeps, 'arrivals' | 'clock'>, log: Log): Promise<void> {
  try {
    const stats = await readFastPathStats(deps);
    logEvent(log, { event: 'approval.fast_path', ...stats });
  } catch (error) {
    logEvent(log, { level: 'warn', event: 'approval.fast_path_unavailable', code: toAppError(error).code });
  }
}
