import type { PrivateEndpointConnection } from '../../arm/arm-gateway';
import { toAppError } from '../../errors';
import { type Log, logEvent } from '../../log';
import { connectionKey } from '../../storage/table-keys';
import { POLICY_ACTOR } from '../core/actor';
import { type CapturedConnection, captureConnection, factsOf } from '../core/captured-connection';
import type { Arrival } from '../core/fast-path-stats';
import type { ApprovedCounts, Verdict } from '../core/policy/evaluate-policy';
import { type Plan, planDecision } from '../core/policy/plan-decision';
import type { Policy } from '../core/policy/policy';
import type { WorkItemEvent } from '../core/reconcile-work-item';
import { type AuditEntry, auditedConnection, entryId } from '../storage/audit-store';
import { compareWithSnapshots, type DriftRecord } from '../storage/drift';
import type { ConnectionSnapshot } from '../storage/snapshot-store';
import type { ReconcileDeps, Trigger } from './approval-services';
import { ARM_WRITES_IN_FLIGHT, type DecisionOutcome, decideConnections } from './decide-connection';

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

/**
 * Brings one Private Link Service in line with the policy: read every connection once, record
 * drift against the last snapshot, plan each connection (first come, first served for quotas),
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
  // The snapshot read does not depend on the list: both go at once (the first list also loads the SDK).
  const [connections, snapshots] = await Promise.all([
    services.arm.listPlsConnections(plsId),
    services.snapshots.listForPls(plsId),
  ]);
  const captures = await captureAll(services, connections, snapshots);
  const observation = observe(services, plsId, captures, snapshots, listedAt, context);

  const outcomes = emptyCounts();
  let unfinished = 0;
  if (services.mode !== 'off') {
    // Deciding does not wait for the observation rows (drift, arrivals), so the first PUT goes out
    // sooner while ARM's write bucket is full; a decision's own snapshot update waits for the
    // snapshot rows of this list, or the listed state would overwrite the decided one.
    const deciding: ReconcileDeps = {
      ...services,
      snapshots: writingAfter(observation.snapshotsWritten, services.snapshots),
    };
    const admitted = await nativelyAdmitted(deciding, policy, plsId, captures, context.log);
    const plans = planAll(policy, captures, snapshots, listedAt, admitted);
    unfinished = await carryOut(deciding, plans, snapshots, outcomes, context);
  }
  // A failed observation write fails the PLS as before; decisions made meanwhile stand (each is audited).
  const { drift, arrivals } = await observation.done;
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

interface Observation {
  /** Settles once the snapshot rows of this list are written (or failed to be). */
  readonly snapshotsWritten: Promise<void>;
  /** Drift counts and arrivals once every observation row is written; rejects if drift was not recorded. */
  readonly done: Promise<{ drift: PlsReconcileSummary['drift']; arrivals: number }>;
}

/** Starts writing what the list showed (snapshots, drift, arrivals) without waiting for it. */
function observe(
  services: ReconcileDeps,
  plsId: string,
  captures: readonly CapturedConnection[],
  snapshots: ReadonlyMap<string, ConnectionSnapshot>,
  listedAt: Date,
  context: ReconcileContext,
): Observation {
  let snapshotsWritten: () => void = () => {};
  const written = new Promise<void>((resolve) => {
    snapshotsWritten = resolve;
  });
  const done = (async () => {
    try {
      const { counts, appeared } = await recordDrift(
        services,
        plsId,
        captures,
        snapshots,
        listedAt,
        context.log,
        snapshotsWritten,
      );
      const arrivals = await recordArrivals(services, plsId, appeared, listedAt, context);
      return { drift: counts, arrivals };
    } finally {
      snapshotsWritten();
    }
  })();
  // Awaited at the end of the run; until then a rejection must not count as unhandled.
  done.catch(() => undefined);
  return { snapshotsWritten: written, done };
}

/** The snapshot store as the decisions see it: their writes go after `first` has settled. */
function writingAfter(
  first: Promise<void>,
  snapshots: ReconcileDeps['snapshots'],
): ReconcileDeps['snapshots'] {
  return {
    listForPls: (plsId) => snapshots.listForPls(plsId),
    apply: async (...args) => {
      await first;
      return snapshots.apply(...args);
    },
  };
}

/**
 * Records the connections that appeared for the fast path statistics, and when this PLS was
 * listed. Observation only: a failure here is logged and decides nothing.
 */
async function recordArrivals(
  services: ReconcileDeps,
  plsId: string,
  appeared: readonly DriftRecord[],
  listedAt: Date,
  context: ReconcileContext,
): Promise<number> {
  try {
    const previous = appeared.length === 0 ? undefined : await services.arrivals.lastListedAt(plsId);
    const event = context.event;
    const arrivals: Arrival[] =
      previous === undefined
        ? []
        : appeared.map((d) => {
            const eventTime = event?.eventTime === undefined ? undefined : Date.parse(event.eventTime);
            const seenAt = event === undefined ? listedAt.getTime() : Date.parse(event.receivedAt);
            // The event's own time measures the change only if it is newer than the last list.
            const changedAt =
              eventTime !== undefined && eventTime >= previous.getTime() ? eventTime : undefined;
            return {
              plsId,
              connectionName: d.connectionName,
              foundAt: listedAt,
              foundBy: event === undefined ? 'reconciliation' : 'event',
              eventType: event?.type,
              eventTopic: event?.topic,
              delayMs: Math.max(0, seenAt - (changedAt ?? previous.getTime())),
              delayIsUpperBound: changedAt === undefined,
            };
          });
    await services.arrivals.record(arrivals);
    await services.arrivals.markListed(plsId, listedAt);
    return arrivals.length;
  } catch (error) {
    logEvent(context.log, {
      level: 'warn',
      event: 'approval.arrivals_not_recorded',
      pls: plsId,
      code: toAppError(error).code,
    });
    return 0;
  }
}

/**
 * Subscriptions on the PLS's own `autoApproval` list: ARM approves their connections at creation,
 * so no request message was ever captured, and a rule on the message would revoke them under
 * enforceOnApproved. What the provider's own list admits is never revoked. Read only when a
 * revocation is possible; if the PLS cannot be read, no approval is revoked in this run.
 */
async function nativelyAdmitted(
  services: ReconcileDeps,
  policy: Policy,
  plsId: string,
  captures: readonly CapturedConnection[],
  log: Log,
): Promise<ReadonlySet<string> | 'unknown'> {
  if (!policy.enforceOnApproved || !captures.some((c) => c.status === 'Approved')) return new Set();
  try {
    const pls = await services.arm.getPrivateLinkService(plsId);
    return new Set(pls.autoApprovalSubscriptions.map((s) => s.toLowerCase()));
  } catch (error) {
    logEvent(log, {
      level: 'warn',
      event: 'approval.auto_approval_list_unavailable',
      pls: plsId,
      code: toAppError(error).code,
    });
    return 'unknown';
  }
}

async function captureAll(
  services: ReconcileDeps,
  connections: readonly PrivateEndpointConnection[],
  snapshots: ReadonlyMap<string, ConnectionSnapshot>,
): Promise<CapturedConnection[]> {
  const subscriptions = [
    ...new Set(
      connections.map((c) => captureConnection(c, { consumerTenantId: undefined }).consumerSubscriptionId),
    ),
  ];
  const tenants = new Map<string | undefined, string | undefined>();
  await Promise.all(subscriptions.map(async (s) => tenants.set(s, await services.tenants.tenantOf(s))));
  return connections.map((connection) => {
    const bare = captureConnection(connection, { consumerTenantId: undefined });
    return captureConnection(connection, {
      consumerTenantId: tenants.get(bare.consumerSubscriptionId),
      earlierRequestMessage: snapshots.get(connectionKey(connection.name))?.requestMessage,
    });
  });
}

async function recordDrift(
  services: ReconcileDeps,
  plsId: string,
  captures: readonly CapturedConnection[],
  snapshots: ReadonlyMap<string, ConnectionSnapshot>,
  listedAt: Date,
  log: Log,
  snapshotsWritten: () => void,
): Promise<{ counts: PlsReconcileSummary['drift']; appeared: DriftRecord[] }> {
  const comparison = compareWithSnapshots(
    plsId,
    captures.map((c) => c.connection),
    snapshots,
    listedAt,
  );
  const byName = new Map(captures.map((c) => [connectionKey(c.connection.name), c]));
  const at = listedAt.toISOString();
  const upserts = comparison.changed.map((connection): Partial<ConnectionSnapshot> => {
    const capture = byName.get(connectionKey(connection.name));
    const known = snapshots.get(connectionKey(connection.name));
    return {
      plsId,
      connectionId: connection.id,
      connectionName: connection.name,
      status: connection.status,
      privateEndpointId: connection.privateEndpointId,
      privateEndpointLocation: connection.privateEndpointLocation,
      consumerSubscriptionId: capture?.consumerSubscriptionId,
      consumerTenantId: capture?.consumerTenantId,
      requestMessage: capture?.requestMessage,
      firstSeenAt: known?.firstSeenAt ?? at,
      changedAt: at,
    };
  });
  await services.snapshots.apply(
    plsId,
    upserts,
    comparison.vanished.map((s) => s.connectionName),
  );
  snapshotsWritten();
  await services.drift.write(comparison.drift);
  const counts = { appeared: 0, vanished: 0, changed: 0 };
  for (const d of comparison.drift) {
    counts[d.kind]++;
    if (d.kind !== 'appeared') {
      logEvent(log, {
        event: 'approval.drift',
        kind: d.kind,
        pls: plsId,
        connection: d.connectionName,
        from: d.statusBefore,
        to: d.statusAfter,
      });
    }
  }
  return { counts, appeared: comparison.drift.filter((d) => d.kind === 'appeared') };
}

/** Plans in a stable order (oldest first) so quotas go to the earliest requests, and counts planned approvals. */
function planAll(
  policy: Policy,
  captures: readonly CapturedConnection[],
  snapshots: ReadonlyMap<string, ConnectionSnapshot>,
  now: Date,
  admitted: ReadonlySet<string> | 'unknown',
): { capture: CapturedConnection; plan: Plan }[] {
  const bySubscription = new Map<string, number>();
  const byTenant = new Map<string, number>();
  const bump = (c: CapturedConnection) => {
    if (c.consumerSubscriptionId !== undefined)
      bySubscription.set(c.consumerSubscriptionId, (bySubscription.get(c.consumerSubscriptionId) ?? 0) + 1);
    if (c.consumerTenantId !== undefined)
      byTenant.set(c.consumerTenantId, (byTenant.get(c.consumerTenantId) ?? 0) + 1);
  };
  for (const c of captures) if (c.status === 'Approved') bump(c);
  const counts: ApprovedCounts = {
    bySubscription: (s) => bySubscription.get(s) ?? 0,
    byTenant: (t) => byTenant.get(t) ?? 0,
  };
  const firstSeen = (c: CapturedConnection) =>
    snapshots.get(connectionKey(c.connection.name))?.firstSeenAt ?? now.toISOString();
  const ordered = [...captures].sort(
    (a, b) => firstSeen(a).localeCompare(firstSeen(b)) || a.connection.name.localeCompare(b.connection.name),
  );
  return ordered.map((capture) => {
    const snapshot = snapshots.get(connectionKey(capture.connection.name));
    const sub = capture.consumerSubscriptionId;
    const nativelyApproved =
      capture.status === 'Approved' && (admitted === 'unknown' || (sub !== undefined && admitted.has(sub)));
    const plan: Plan = nativelyApproved
      ? { kind: 'leave', why: 'settled', verdict: undefined }
      : planDecision(policy, factsOf(capture), counts, {
          now,
          approvedByPerson: capture.status === 'Approved' && snapshot?.lastDecisionActorKind === 'person',
        });
    if (plan.kind === 'write' && plan.target === 'Approved') bump(capture);
    return { capture, plan };
  });
}

/** Decisions go through the decision path in batches of this many (one transaction each for claims and audit rows). */
export const DECISION_BATCH = 100;

/**
 * The first batch is only as large as the PUTs the decision path sends at once: its claim and intent
 * transactions are small, so the first PUT goes out sooner, while ARM's write bucket is still full
 * (time spent before it is lost against the bucket; later batches are prepared while other PLS write).
 */
export const FIRST_DECISION_BATCH = ARM_WRITES_IN_FLIGHT;

function batchSize(index: number, context: ReconcileContext): number {
  if (context.decisionBatch !== undefined) return context.decisionBatch;
  return index === 0 ? FIRST_DECISION_BATCH : DECISION_BATCH;
}

type Planned = { readonly capture: CapturedConnection; readonly plan: Plan };

async function carryOut(
  services: ReconcileDeps,
  plans: readonly Planned[],
  snapshots: ReadonlyMap<string, ConnectionSnapshot>,
  outcomes: OutcomeCounts,
  context: ReconcileContext,
): Promise<number> {
  const dryRun = services.mode === 'dry-run';
  const keyOf = ({ capture, plan }: Planned) =>
    plan.verdict === undefined
      ? ''
      : verdictKey(capture.status, plan.verdict.policyVersion, plan.verdict.action, plan.verdict.rule);
  const known = ({ capture }: Planned) => snapshots.get(connectionKey(capture.connection.name))?.verdictKey;

  const manual = plans.filter(
    (p) => p.plan.kind === 'leave' && p.plan.why === 'manual' && p.plan.verdict !== undefined,
  );
  outcomes.manual += manual.length;
  outcomes.settled += plans.filter((p) => p.plan.kind === 'leave').length - manual.length;
  await recordVerdicts(
    services,
    manual.filter((p) => known(p) !== keyOf(p)),
    keyOf,
    context,
  );

  const writes = plans.filter((p) => p.plan.kind === 'write');
  // A dry run would otherwise re-audit the same would-be decision on every timer run.
  const toDecide = dryRun ? writes.filter((p) => known(p) !== keyOf(p)) : writes;
  outcomes.dryRun += writes.length - toDecide.length;
  for (let i = 0, n = 0; i < toDecide.length; n++) {
    // The budget is checked between batches: a batch once started finishes (its claims and intents are taken).
    if (context.deadline !== undefined && services.clock.now() >= context.deadline)
      return toDecide.length - i;
    const batch = toDecide.slice(i, i + batchSize(n, context));
    i += batch.length;
    const results = await decideConnections(
      services,
      batch.map(({ capture, plan }) => {
        const verdict = plan.verdict as Verdict;
        return {
          capture,
          action: plan.kind === 'write' && plan.target === 'Approved' ? 'approve' : 'reject',
          description: verdict.description ?? '',
          reason: verdict.reason,
          rule: verdict.rule,
          policyVersion: verdict.policyVersion,
          actor: POLICY_ACTOR,
          trigger: context.trigger,
          correlationId: context.correlationId,
          dryRun,
        };
      }),
      context.log,
    );
    for (const result of results) outcomes[outcomeKey(result)]++;
    const recorded = batch.filter((_, j) => results[j]?.kind === 'dry-run');
    await rememberVerdicts(services, recorded, keyOf, context);
  }
  return 0;
}

function outcomeKey(outcome: DecisionOutcome): keyof OutcomeCounts {
  switch (outcome.kind) {
    case 'applied':
      return 'applied';
    case 'dry-run':
      return 'dryRun';
    case 'no-op':
      return 'noOp';
    case 'refused':
      return 'refused';
    case 'claimed':
      return 'claimed';
    case 'stale':
      return 'stale';
    case 'failed':
      return 'failed';
  }
}

function verdictKey(status: string, policyVersion: string, action: string, rule: string | undefined): string {
  return `${status}|${policyVersion}|${action}|${rule ?? ''}`;
}

/**
 * A manual verdict writes nothing to ARM; it is audited once per (state, policy version, rule), not
 * on every timer run, so the audit says "left for a person because ..." without repeating it.
 */
async function recordVerdicts(
  services: ReconcileDeps,
  planned: readonly Planned[],
  keyOf: (p: Planned) => string,
  context: ReconcileContext,
): Promise<void> {
  if (planned.length === 0) return;
  const now = services.clock.now();
  const entries: AuditEntry[] = planned.map(({ capture, plan }) => {
    const verdict = plan.verdict as Verdict;
    return {
      kind: 'verdict',
      decisionId: `${context.correlationId}:${connectionKey(capture.connection.name)}`,
      at: now,
      ...auditedConnection(capture),
      action: 'manual',
      rule: verdict.rule,
      policyVersion: verdict.policyVersion,
      actor: POLICY_ACTOR,
      description: undefined,
      reason: verdict.reason,
      mode: services.mode,
      trigger: context.trigger,
      correlationId: context.correlationId,
      result: 'manual',
      ...(verdict.error !== undefined ? { errorCode: verdict.error } : {}),
    };
  });
  const failed = await services.audit.writeMany(entries);
  if (failed.size > 0) logEvent(context.log, { event: 'approval.verdicts_not_recorded', count: failed.size });
  await rememberVerdicts(
    services,
    planned.filter((_, i) => !failed.has(entryId(entries[i] as AuditEntry))),
    keyOf,
    context,
  );
}

/** Remembers recorded verdicts in the snapshots (one transaction per 100), so they are not audited again. */
async function rememberVerdicts(
  services: ReconcileDeps,
  planned: readonly Planned[],
  keyOf: (p: Planned) => string,
  context: ReconcileContext,
): Promise<void> {
  const first = planned[0];
  if (first === undefined) return;
  try {
    await services.snapshots.apply(
      first.capture.connection.plsId,
      planned.map((p) => ({
        connectionName: p.capture.connection.name,
        verdictKey: keyOf(p),
        verdictAction: p.plan.verdict?.action,
        verdictRule: p.plan.verdict?.rule ?? '',
        verdictReason: p.plan.verdict?.reason,
      })),
      [],
    );
  } catch (error) {
    logEvent(context.log, {
      event: 'approval.verdicts_not_remembered',
      count: planned.length,
      code: toAppError(error).code,
    });
  }
}
