import { randomUUID } from 'node:crypto';
import type { ArmGateway, PrivateEndpointConnection } from '../../arm/arm-gateway';
import { mapWithConcurrency } from '../../async/map-with-concurrency';
import type { Clock } from '../../clock';
import { type AppError, toAppError } from '../../errors';
import { type Log, logEvent } from '../../log';
import { connectionKey } from '../../storage/table-keys';
import { POLICY_ACTOR } from '../core/actor';
import type { CapturedConnection } from '../core/captured-connection';
import type { ConnectionRecord, RecordPatch } from '../core/connection-record';
import {
  type DueStep,
  dueExpiryStep,
  type ExpiryTimings,
  expiryDescription,
  utcMinute,
} from '../core/expiry';
import { type AuditEntry, type AuditResult, auditedConnection, entryId } from '../storage/audit-store';
import type { ClaimStore } from '../storage/claim-store';
import type { ApprovalMode, ReconcileDeps, Trigger } from './approval-services';

/**
 * Carrying out the ends of approvals on one PLS (see core/expiry.ts for the steps). Each step is a
 * write like a decision's, with the same guards:
 *
 *   claim the connection → intent row → re-read (still Approved, same ETag) → PUT the notice
 *   (If-Match) or DELETE the connection → outcome row with the record's stage (one transaction)
 *
 * The claim makes one step per connection across instances and overlapping runs; a late duplicate
 * finds the claim done, or re-reads a connection whose ETag our write changed (or that is gone),
 * and stops: no reminder is sent twice, no connection is removed twice. A step that fails leaves the
 * record's stage as it was and gives its claim back, so the next run does it again. Dry-run audits
 * each step once (with its notification) and writes nothing to ARM; mode `off` ends nothing.
 *
 * Why removal and not rejection: a rejected connection stays on the PLS, cannot be approved again
 * (ARM refuses Rejected → Approved), and the consumer must delete and recreate its private endpoint
 * to ask again. A removed one leaves the PLS; the consumer's endpoint shows Disconnected ("the
 * connection was removed by the private link service owner") and the consumer recreates it to
 * request access anew, while the provider's list holds no dead entry. Sources: Microsoft Learn,
 * "Manage a Private Link service" (Remove / Reject), "What is Azure Private Link service?"
 * (connection states), and MicrosoftDocs/azure-docs#115121. docs/approval.md, "Approvals that end".
 */
export interface ExpiryDeps {
  readonly arm: Pick<ArmGateway, 'readConnection' | 'updateConnectionState' | 'deleteConnection'>;
  readonly audit: {
    writeMany(
      entries: readonly AuditEntry[],
      records?: ReadonlyMap<string, RecordPatch>,
    ): Promise<Set<string>>;
  };
  readonly claims: Pick<ClaimStore, 'acquire' | 'complete' | 'release'>;
  readonly clock: Clock;
  readonly mode: ApprovalMode;
  readonly expiry: ExpiryTimings;
}

export interface ExpiryCounts {
  reminded: number;
  noticed: number;
  removed: number;
  dryRun: number;
  /** Another instance or run holds the connection, or it changed meanwhile: nothing written. */
  skipped: number;
  /** Left for the next run (ARM or storage failed). */
  failed: number;
}

export interface ExpiryContext {
  readonly trigger: Trigger;
  readonly correlationId: string;
  readonly log: Log;
  /** The invocation's time budget: with it spent, the steps wait for the next run (none is lost). */
  readonly deadline?: Date | undefined;
}

/** The reconcile services as expiry deps, when they have all it needs (a test's narrow fake may not). */
export function expiryDepsOf(services: ReconcileDeps): ExpiryDeps | undefined {
  const { arm, claims, expiry } = services;
  const deleteConnection = arm.deleteConnection;
  const { acquire, complete } = claims;
  if (
    expiry === undefined ||
    deleteConnection === undefined ||
    acquire === undefined ||
    complete === undefined
  )
    return undefined;
  return {
    arm: {
      readConnection: (p, n) => arm.readConnection(p, n),
      updateConnectionState: (p, n, u) => arm.updateConnectionState(p, n, u),
      deleteConnection: (p, n) => deleteConnection.call(arm, p, n),
    },
    audit: services.audit,
    claims: {
      acquire: (r) => acquire.call(claims, r),
      complete: (h) => complete.call(claims, h),
      release: (h) => claims.release(h),
    },
    clock: services.clock,
    mode: services.mode,
    expiry,
  };
}

/** How many connections' steps run at once: few, since ends cluster only when many approvals were made together. */
const STEPS_IN_FLIGHT = 4;

/** Runs the step due now on each listed Approved connection whose approval has an end. */
export async function expireApprovals(
  deps: ExpiryDeps,
  captures: readonly CapturedConnection[],
  records: ReadonlyMap<string, ConnectionRecord>,
  context: ExpiryContext,
): Promise<ExpiryCounts> {
  const counts: ExpiryCounts = { reminded: 0, noticed: 0, removed: 0, dryRun: 0, skipped: 0, failed: 0 };
  if (deps.mode === 'off') return counts;
  const now = deps.clock.now();
  if (context.deadline !== undefined && now >= context.deadline) return counts;
  const dryRun = deps.mode === 'dry-run';
  const due = captures.flatMap((capture) => {
    const record = records.get(connectionKey(capture.connection.name));
    const step = dueExpiryStep(record, capture.status, now, deps.expiry, dryRun);
    return step === undefined ? [] : [{ capture, step }];
  });
  const results = await mapWithConcurrency(due, STEPS_IN_FLIGHT, ({ capture, step }) =>
    runStep(deps, capture, step, context),
  );
  for (const result of results) counts[result]++;
  if (due.length > 0) logEvent(context.log, { event: 'approval.expiry', due: due.length, ...counts });
  return counts;
}

type StepResult = keyof ExpiryCounts;

const DONE: Record<DueStep['step'], StepResult> = {
  'expiry-reminder': 'reminded',
  'expiry-notice': 'noticed',
  'expiry-removal': 'removed',
};

async function runStep(
  deps: ExpiryDeps,
  capture: CapturedConnection,
  due: DueStep,
  context: ExpiryContext,
): Promise<StepResult> {
  const intent = intentOf(deps, capture, due, context);
  const done: RecordPatch = {
    connectionName: capture.connection.name,
    expiryStage: due.stage,
    expiryStageFor: due.endsAt,
    changedAt: deps.clock.now().toISOString(),
  };
  let handle: Awaited<ReturnType<ExpiryDeps['claims']['acquire']>>;
  try {
    handle = await deps.claims.acquire({
      plsId: capture.connection.plsId,
      connectionName: capture.connection.name,
      decisionId: intent.decisionId,
      actorKind: 'policy',
      // A duplicate of this same step on this same version of the connection stops at the done claim.
      basedOn: `${due.step}|${due.endsAt}`,
      basedOnEtag: capture.connection.etag,
      target: due.step,
    });
  } catch (error) {
    logEvent(context.log, { event: 'approval.expiry.claim_failed', code: toAppError(error).code });
    return 'failed';
  }
  if (!handle.acquired) return 'skipped';
  const claim = handle.handle;

  if (deps.mode === 'dry-run') {
    const stored = await write(deps, [intent, outcomeOf(deps, intent, 'dry-run', {})], done, context);
    await settleClaim(deps, claim, stored, context);
    return stored ? 'dryRun' : 'failed';
  }
  if (!(await write(deps, [intent], undefined, context))) {
    await settleClaim(deps, claim, false, context);
    return 'failed';
  }
  const result = await guardedStep(deps, capture, due);
  const outcome =
    result.kind === 'done'
      ? outcomeOf(deps, intent, 'succeeded', { statusAfter: result.statusAfter })
      : outcomeOf(deps, intent, result.kind === 'stale' ? 'skipped' : 'failed', {
          detail: result.detail,
          error: result.error,
          statusAfter: result.statusNow,
        });
  const stored = await write(deps, [outcome], result.kind === 'done' ? done : undefined, context);
  // ARM holds the step once written: the claim is completed even if the outcome row was lost.
  await settleClaim(deps, claim, result.kind === 'done', context);
  if (result.kind === 'done') return stored ? DONE[due.step] : 'failed';
  return result.kind === 'stale' ? 'skipped' : 'failed';
}

type GuardedResult =
  | { readonly kind: 'done'; readonly statusAfter: string }
  | {
      readonly kind: 'stale' | 'failed';
      readonly detail: string;
      readonly statusNow?: string | undefined;
      readonly error?: AppError | undefined;
    };

/** Re-read, then the notice PUT (If-Match) or the DELETE, only if the connection is as the step was planned on. */
async function guardedStep(
  deps: ExpiryDeps,
  capture: CapturedConnection,
  due: DueStep,
): Promise<GuardedResult> {
  const { plsId, name, etag } = capture.connection;
  let current: PrivateEndpointConnection | undefined;
  try {
    current = await deps.arm.readConnection(plsId, name);
  } catch (error) {
    const appError = toAppError(error);
    if (appError.code !== 'arm_not_found')
      return { kind: 'failed', detail: 're-read failed; nothing written to ARM', error: appError };
  }
  if (current === undefined) return { kind: 'stale', detail: 'the connection no longer exists' };
  if (current.status !== 'Approved')
    return { kind: 'stale', detail: `the connection is ${current.status} now`, statusNow: current.status };
  // A renewal (or anyone's write) since the list changed the ETag: that end may no longer hold.
  if (etag !== undefined && current.etag !== etag)
    return {
      kind: 'stale',
      detail: 'the connection changed since it was listed (ETag)',
      statusNow: current.status,
    };
  try {
    if (due.step === 'expiry-removal') {
      await deps.arm.deleteConnection(plsId, name);
      return { kind: 'done', statusAfter: 'Removed' };
    }
    const updated = await deps.arm.updateConnectionState(plsId, name, {
      status: 'Approved',
      description: expiryDescription(due.step, due.endsAt, deps.expiry.graceMs),
      ...(current.etag !== undefined ? { ifMatch: current.etag } : {}),
    });
    return { kind: 'done', statusAfter: updated.status };
  } catch (error) {
    return { kind: 'failed', detail: 'ARM write failed; the next run tries again', error: toAppError(error) };
  }
}

function intentOf(
  deps: ExpiryDeps,
  capture: CapturedConnection,
  due: DueStep,
  context: ExpiryContext,
): AuditEntry {
  const end = utcMinute(due.endsAt);
  const reason =
    due.step === 'expiry-reminder'
      ? `the approval ends on ${end}: reminder`
      : due.step === 'expiry-notice'
        ? `the approval ended ${end}: the consumer is told on the connection`
        : `the approval ended ${end} and the grace period is over: the connection is removed`;
  return {
    kind: 'intent',
    decisionId: randomUUID(),
    at: deps.clock.now(),
    ...auditedConnection(capture),
    action: due.step,
    rule: undefined,
    policyVersion: undefined,
    actor: POLICY_ACTOR,
    description:
      due.step === 'expiry-removal'
        ? undefined
        : expiryDescription(due.step, due.endsAt, deps.expiry.graceMs),
    reason,
    mode: deps.mode === 'dry-run' ? 'dry-run' : 'enforce',
    trigger: context.trigger,
    correlationId: context.correlationId,
    approvalEndsAt: due.endsAt,
  };
}

export function outcomeOf(
  deps: Pick<ExpiryDeps, 'clock'>,
  intent: AuditEntry,
  result: AuditResult,
  details: { detail?: string | undefined; error?: AppError | undefined; statusAfter?: string | undefined },
): AuditEntry {
  const { error } = details;
  return {
    ...intent,
    kind: 'outcome',
    at: deps.clock.now(),
    result,
    ...(details.detail !== undefined ? { resultDetail: details.detail } : {}),
    ...(error !== undefined
      ? { errorCode: error.upstreamCode === undefined ? error.code : `${error.code}/${error.upstreamCode}` }
      : {}),
    ...(details.statusAfter !== undefined ? { statusAfter: details.statusAfter } : {}),
  };
}

/** Writes the rows (the last one with the record's stage, in its transaction); true when all are stored. */
export async function write(
  deps: Pick<ExpiryDeps, 'audit'>,
  rows: readonly AuditEntry[],
  record: RecordPatch | undefined,
  context: ExpiryContext,
): Promise<boolean> {
  const last = rows[rows.length - 1];
  const records = record !== undefined && last !== undefined ? new Map([[entryId(last), record]]) : new Map();
  const failed = await deps.audit.writeMany(rows, records);
  if (failed.size > 0)
    logEvent(context.log, {
      event: 'approval.expiry.audit_failed',
      connection: last?.connectionId,
      rows: failed.size,
    });
  return failed.size === 0;
}

export async function settleClaim(
  deps: Pick<ExpiryDeps, 'claims'>,
  handle: Parameters<ExpiryDeps['claims']['complete']>[0],
  written: boolean,
  context: ExpiryContext,
): Promise<void> {
  try {
    if (written) await deps.claims.complete(handle);
    else await deps.claims.release(handle);
  } catch {
    // An unfinished claim expires on its own.
    logEvent(context.log, {
      event: 'approval.claim_release_failed',
      connection: handle.request.connectionName,
    });
  }
}
