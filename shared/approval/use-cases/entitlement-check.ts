import { mapWithConcurrency } from '../../async/map-with-concurrency';
import type { Clock } from '../../clock';
import { type Log, logEvent } from '../../log';
import { type CapturedConnection, factsOf } from '../core/captured-connection';
import type { EntitlementFact, EntitlementSubject } from '../core/entitlement';
import { entitlementRuleFor } from '../core/policy/evaluate-policy';
import type { Policy } from '../core/policy/policy';

/*
 * Asking the provider's own system before the policy is evaluated (the evaluation is pure; the
 * answers enter it as facts). Only Pending connections that an `entitlement` rule would decide are
 * asked. A slow or dead system must not stall reconciliation: the asks of one PLS share a time
 * budget (never past the run's deadline), and the verifier bounds how many are in flight.
 */

/** The port: implemented by adapters/entitlement-client.ts. */
export interface EntitlementVerifier {
  /**
   * Never throws: every failure is a `failed` fact with its reason. `signal` aborts when the run's
   * time for asking is up; the ask then ends at once as `run_budget_exhausted`.
   */
  ask(subject: EntitlementSubject, signal: AbortSignal): Promise<EntitlementFact>;
}

/** Asks of one PLS at once (the verifier also bounds its own in-flight calls across PLS). */
export const ENTITLEMENT_ASKS_AT_ONCE = 4;
/** At most this long asking for one PLS's connections; what is not answered by then waits for a person. */
export const ENTITLEMENT_RUN_BUDGET_MS = 20_000;

export interface EntitlementDeps {
  /** Null when ENTITLEMENT_URL is unset: entitlement rules then leave their connections for a person. */
  readonly entitlement?: EntitlementVerifier | null | undefined;
  readonly clock: Clock;
}

export interface AskOptions {
  readonly log: Log;
  /** The run's deadline: asking stops by then even if the budget is longer. */
  readonly deadline?: Date | undefined;
  readonly budgetMs?: number;
  readonly concurrency?: number;
}

/** The answers (or failures) by connection name, for the connections an entitlement rule would decide. */
export async function askEntitlements(
  deps: EntitlementDeps,
  policy: Policy,
  captures: readonly CapturedConnection[],
  options: AskOptions,
): Promise<ReadonlyMap<string, EntitlementFact>> {
  const toAsk = captures.filter(
    (c) => c.status === 'Pending' && entitlementRuleFor(policy, factsOf(c)) !== undefined,
  );
  const answers = new Map<string, EntitlementFact>();
  if (toAsk.length === 0) return answers;
  const verifier = deps.entitlement;
  if (verifier === undefined || verifier === null) {
    for (const c of toAsk)
      answers.set(c.connection.name, {
        outcome: 'failed',
        failure: 'not_configured',
        detail: 'ENTITLEMENT_URL is not set',
      });
    logEvent(options.log, {
      level: 'warn',
      event: 'approval.entitlement_not_configured',
      connections: toAsk.length,
    });
    return answers;
  }
  const now = deps.clock.now().getTime();
  const untilDeadline =
    options.deadline === undefined ? Number.POSITIVE_INFINITY : options.deadline.getTime() - now;
  const budgetMs = Math.max(0, Math.min(options.budgetMs ?? ENTITLEMENT_RUN_BUDGET_MS, untilDeadline));
  const budget = new AbortController();
  const timer = setTimeout(() => budget.abort(), budgetMs);
  timer.unref?.();
  try {
    const facts = await mapWithConcurrency(toAsk, options.concurrency ?? ENTITLEMENT_ASKS_AT_ONCE, (c) =>
      budget.signal.aborted ? Promise.resolve(budgetExhausted()) : verifier.ask(subjectOf(c), budget.signal),
    );
    for (const [i, c] of toAsk.entries()) answers.set(c.connection.name, facts[i] ?? budgetExhausted());
  } finally {
    clearTimeout(timer);
  }
  logSummary(options.log, [...answers.values()]);
  return answers;
}

function budgetExhausted(): EntitlementFact {
  return {
    outcome: 'failed',
    failure: 'run_budget_exhausted',
    detail: 'the time for entitlement checks in this run was used up before an answer came',
  };
}

function subjectOf(c: CapturedConnection): EntitlementSubject {
  return {
    connectionId: c.connection.id,
    connectionName: c.connection.name,
    plsId: c.connection.plsId,
    plsName: c.plsName,
    consumerTenantId: c.consumerTenantId,
    consumerSubscriptionId: c.consumerSubscriptionId,
    privateEndpointId: c.connection.privateEndpointId,
    privateEndpointName: c.privateEndpointName,
    privateEndpointResourceGroup: c.privateEndpointResourceGroup,
    privateEndpointLocation: c.connection.privateEndpointLocation,
    requestMessage: c.requestMessage,
  };
}

/** One line per PLS: how many answers of each kind, and the kinds of failure (never a secret or an answer's text). */
function logSummary(log: Log, facts: readonly EntitlementFact[]): void {
  const count = (key: string) =>
    facts.filter((f) => (f.outcome === 'answered' ? f.decision : f.failure) === key).length;
  const failures = [...new Set(facts.flatMap((f) => (f.outcome === 'failed' ? [f.failure] : [])))];
  logEvent(log, {
    ...(failures.length > 0 ? { level: 'warn' as const } : {}),
    event: 'approval.entitlement_checked',
    asked: facts.length,
    approve: count('approve'),
    reject: count('reject'),
    manual: count('manual'),
    failed: facts.filter((f) => f.outcome === 'failed').length,
    failures,
  });
}
