import { toAppError } from '../../errors';
import { logEvent } from '../../log';
import { connectionKey } from '../../storage/table-keys';
import { POLICY_ACTOR } from '../core/actor';
import type { ConnectionRecord } from '../core/connection-record';
import type { Verdict } from '../core/policy/evaluate-policy';
import { type AuditEntry, auditedConnection, entryId } from '../storage/audit-store';
import type { ReconcileDeps } from './approval-services';
import { ARM_WRITES_IN_FLIGHT, type DecisionOutcome, decideConnections } from './decide-connection';
import type { Planned } from './plan-pls';
import type { OutcomeCounts, ReconcileContext } from './reconcile-summary';

/*
 * Carrying out one PLS's plans: verdicts that need no ARM write are audited once, writes go through
 * the decision path in batches, and the time budget is checked between batches.
 */

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

/** Carries out the plans; returns how many decisions were left undone for lack of time. */
export async function carryOut(
  services: ReconcileDeps,
  plans: readonly Planned[],
  records: ReadonlyMap<string, ConnectionRecord>,
  outcomes: OutcomeCounts,
  context: ReconcileContext,
): Promise<number> {
  const dryRun = services.mode === 'dry-run';
  const keyOf = ({ capture, plan }: Planned) =>
    plan.verdict === undefined
      ? ''
      : verdictKey(capture.status, plan.verdict.policyVersion, plan.verdict.action, plan.verdict.rule);
  const known = ({ capture }: Planned) => records.get(connectionKey(capture.connection.name))?.verdict?.key;

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
      batch.map(({ capture, plan, firstSeenAt }) => {
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
          firstSeenAt,
          approvalEndsAt: verdict.approvalEndsAt,
          ...(verdict.customer !== undefined ? { customer: verdict.customer } : {}),
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
      ...(verdict.customer !== undefined ? { customer: verdict.customer } : {}),
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

/** Remembers recorded verdicts in the connection records (one transaction per 100), so they are not audited again. */
async function rememberVerdicts(
  services: ReconcileDeps,
  planned: readonly Planned[],
  keyOf: (p: Planned) => string,
  context: ReconcileContext,
): Promise<void> {
  const first = planned[0];
  if (first === undefined) return;
  try {
    await services.records.apply(
      first.capture.connection.plsId,
      planned.map((p) => ({
        connectionName: p.capture.connection.name,
        verdict: {
          key: keyOf(p),
          action: p.plan.verdict?.action,
          rule: p.plan.verdict?.rule,
          reason: p.plan.verdict?.reason,
        },
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
