import { consumerSubscriptionOf } from '../../arm/resource-id';
import type { OnboardingCodeFact } from '../core/onboarding-code-rules';
import { type Policy, usesOnboardingCodes } from '../core/policy/policy';
import type { ReconcileDeps } from './approval-services';
import { readPlsSettings, recordExposure } from './audit-exposure';
import { carryOut } from './carry-out-plans';
import { askEntitlements } from './entitlement-check';
import { expireApprovals, expiryDepsOf } from './expire-approvals';
import { captureAll, observe } from './observe-pls';
import { checkOnboardingCodes } from './onboarding-codes';
import { nativelyAdmitted, planAll } from './plan-pls';
import { emptyCounts, type PlsReconcileSummary, type ReconcileContext } from './reconcile-summary';

export { DECISION_BATCH, FIRST_DECISION_BATCH } from './carry-out-plans';
export {
  emptyCounts,
  type OutcomeCounts,
  type PlsReconcileSummary,
  type ReconcileContext,
} from './reconcile-summary';

/**
 * Brings one Private Link Service in line with the policy: read every connection once, record
 * drift against the connection records, plan each connection (first come, first served for quotas),
 * record verdicts that need no ARM write once, and run the writes through the decision path.
 */
export async function reconcilePrivateLinkService(
  services: ReconcileDeps,
  policy: Policy,
  plsId: string,
  context: ReconcileContext,
): Promise<PlsReconcileSummary> {
  const started = performance.now();
  const listedAt = services.clock.now();
  // The record read and the PLS read do not depend on the list: all go at once (the first list also
  // loads the SDK). The PLS read serves the plan (autoApproval) and the exposure audit.
  const [connections, records, pls] = await Promise.all([
    services.arm.listPlsConnections(plsId),
    services.records.listForPls(plsId),
    readPlsSettings(services, plsId, context.log),
  ]);
  const exposure =
    pls === undefined
      ? undefined
      : recordExposure(services, policy, pls, {
          log: context.log,
          correlationId: context.correlationId,
          approvedSubscriptions: connections
            .filter((c) => c.status === 'Approved')
            .flatMap((c) => consumerSubscriptionOf(c.privateEndpointId) ?? []),
        });
  const captures = await captureAll(services, connections, records);
  const observation = observe(services, plsId, captures, records, listedAt, context);

  const outcomes = emptyCounts();
  let unfinished = 0;
  if (services.mode !== 'off') {
    // Deciding does not wait for the observation rows (drift, arrivals), so the first PUT goes out
    // sooner while ARM's write bucket is full; a decision's record (written with its outcome row)
    // and a verdict's wait for the records of this list, or the listed state would overwrite them.
    const deciding = writingAfter(observation.recordsWritten, services);
    const admitted = nativelyAdmitted(policy, plsId, captures, pls, context.log);
    // The provider's own system is asked (if a rule says so) and onboarding codes are checked before
    // the pure evaluation; the two go at once.
    const [entitlements, codes] = await Promise.all([
      askEntitlements(services, policy, captures, { log: context.log, deadline: context.deadline }),
      onboardingCodeFacts(services, policy, captures, context),
    ]);
    const plans = planAll(policy, captures, records, listedAt, admitted, entitlements, codes);
    unfinished = await carryOut(deciding, plans, records, outcomes, context);
    // Approvals that end: the reminder, the notice on the connection, the removal (expire-approvals.ts).
    const expiry = expiryDepsOf(deciding);
    if (expiry !== undefined) await expireApprovals(expiry, captures, records, context);
  }
  // A failed observation write fails the PLS as before; decisions made meanwhile stand (each is audited).
  const { drift, arrivals } = await observation.done;
  await exposure;
  return {
    plsId,
    listed: connections.length,
    outcomes,
    drift,
    arrivals,
    unfinished,
    durationMs: Math.round(performance.now() - started),
  };
}

/**
 * Checks the onboarding codes of the connections the policy will evaluate (Pending ones, and
 * Approved ones when enforceOnApproved re-checks them), only when a rule asks for a code. A dry run
 * takes no place in a code's count.
 */
async function onboardingCodeFacts(
  services: ReconcileDeps,
  policy: Policy,
  captures: Parameters<typeof checkOnboardingCodes>[1],
  context: ReconcileContext,
): Promise<ReadonlyMap<string, OnboardingCodeFact>> {
  const { codes, codeKeys } = services;
  if (!usesOnboardingCodes(policy) || codes === undefined || codeKeys === undefined) return new Map();
  const evaluated = captures.filter(
    (c) => c.status === 'Pending' || (c.status === 'Approved' && policy.enforceOnApproved),
  );
  return checkOnboardingCodes({ codes, codeKeys, clock: services.clock }, evaluated, {
    take: services.mode === 'enforce',
    log: context.log,
  });
}

/** The services as the decisions see them: their record writes go after `first` has settled. */
function writingAfter(first: Promise<void>, services: ReconcileDeps): ReconcileDeps {
  const { audit, records } = services;
  return {
    ...services,
    audit: {
      writeMany: async (entries, withRecords) => {
        if (withRecords !== undefined && withRecords.size > 0) await first;
        return audit.writeMany(entries, withRecords);
      },
    },
    records: {
      listForPls: (plsId) => records.listForPls(plsId),
      apply: async (...args) => {
        await first;
        return records.apply(...args);
      },
    },
  };
}
