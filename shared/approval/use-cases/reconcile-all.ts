import { mapWithConcurrency } from '../../async/map-with-concurrency';
import { toAppError } from '../../errors';
import { plsKey } from '../../storage/table-keys';
import { Coalescer } from '../core/concurrency';
import type { Policy } from '../core/policy/policy';
import type { ApprovalServices } from './approval-services';
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
  readonly durationMs: number;
}

/** Runs of one PLS in this instance share one in-flight reconciliation (plus one queued); an instance is one set of services. */
const coalescers = new WeakMap<ApprovalServices, Coalescer<PlsReconcileSummary>>();

/** Reconciles one PLS, coalesced with any run of the same PLS already in progress in this instance. */
export function reconcileCoalesced(
  services: ApprovalServices,
  policy: Policy,
  plsId: string,
  context: ReconcileContext,
): Promise<PlsReconcileSummary> {
  let perPls = coalescers.get(services);
  if (perPls === undefined) {
    perPls = new Coalescer<PlsReconcileSummary>();
    coalescers.set(services, perPls);
  }
  return perPls.run(plsKey(plsId), () => reconcilePrivateLinkService(services, policy, plsId, context));
}

/**
 * The timer's run: every configured PLS, `concurrency` at a time; one PLS failing (ARM down for
 * it, throttled past the retry budget) is logged and does not stop the others.
 */
export async function reconcileAll(
  services: ApprovalServices,
  policy: Policy,
  plsIds: readonly string[],
  concurrency: number,
  context: ReconcileContext,
): Promise<ReconcileRunSummary> {
  const started = performance.now();
  const failedPrivateLinkServices: { plsId: string; code: string }[] = [];
  const outcomes = emptyCounts();
  const drift = { appeared: 0, vanished: 0, changed: 0 };
  let connections = 0;
  await mapWithConcurrency(plsIds, concurrency, async (plsId) => {
    try {
      const summary = await reconcileCoalesced(services, policy, plsId, context);
      connections += summary.listed;
      for (const key of Object.keys(outcomes) as (keyof OutcomeCounts)[])
        outcomes[key] += summary.outcomes[key];
      drift.appeared += summary.drift.appeared;
      drift.vanished += summary.drift.vanished;
      drift.changed += summary.drift.changed;
    } catch (error) {
      const appError = toAppError(error);
      failedPrivateLinkServices.push({ plsId, code: appError.code });
      context.log({
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
    durationMs: Math.round(performance.now() - started),
  };
}
