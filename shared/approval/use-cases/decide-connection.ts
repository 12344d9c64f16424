import { randomUUID } from 'node:crypto';
import type { PrivateEndpointConnection } from '../../arm/arm-gateway';
import { mapWithConcurrency } from '../../async/map-with-concurrency';
import { toAppError } from '../../errors';
import { type Log, logEvent } from '../../log';
import { storageError } from '../../storage/table-errors';
import type { RecordPatch } from '../core/connection-record';
import { targetStatusOf, transitionRefusal } from '../core/transitions';
import { type AuditEntry, entryId } from '../storage/audit-store';
import type { ClaimHandle } from '../storage/claim-store';
import type { DecisionDeps } from './approval-services';
import { failedOutcome, intentEntry, outcomeEntry, writeOutcomes } from './decision-audit';
import { claimAll, releaseAll } from './decision-claims';
import type { DecisionOutcome, DecisionRequest, Live } from './decision-request';
import { rereadAndWrite, type WriteResult } from './guarded-write';
import { noteWriteAccess } from './write-access';

export type { DecisionOutcome, DecisionRequest } from './decision-request';

/**
 * The one decision path, for the policy (events and the timer) and for people (the API): given a
 * connection as read and a decided action, write it to ARM at most once, with a write-ahead audit.
 *
 *   refuse impossible transitions → claim the connection → intent row → re-read → PUT (If-Match)
 *   only if the connection is still in the state the decision was made on → outcome row → claim done
 *
 * The claim comes before the intent so that duplicates of one decision (an event storm, a timer
 * run overlapping an event, a second instance) stop at the claim instead of each writing an
 * intent and a "skipped" outcome. Guarantees: no PUT without a stored intent row (a failed audit
 * write means no PUT); one PUT per decision across instances and duplicate triggers (the claim);
 * never a write over a state other than the one decided on (re-read + If-Match); never
 * Rejected → Approved.
 */
/** One decision (the API's path): the same pipeline as a batch of one. */
export async function decideConnection(
  services: DecisionDeps,
  request: DecisionRequest,
  log: Log,
): Promise<DecisionOutcome> {
  const [outcome] = await decideConnections(services, [request], log);
  if (outcome === undefined) throw new Error('decideConnections returned no outcome');
  return outcome;
}

/** How many re-read + PUT pairs run at once within one batch. */
export const ARM_WRITES_IN_FLIGHT = 16;

/**
 * Many decisions through the same steps, batched where Table Storage allows it: claims, intent
 * rows and outcome rows go in transactions of up to 100 per PLS, so the per-connection cost is the
 * re-read and the PUT. Each step only passes on the decisions that completed the step before: no
 * claim, no intent; no stored intent, no PUT. Outcomes are returned in request order.
 */
export async function decideConnections(
  services: DecisionDeps,
  requests: readonly DecisionRequest[],
  log: Log,
): Promise<DecisionOutcome[]> {
  const outcomes = new Array<DecisionOutcome | undefined>(requests.length);
  const live: Live[] = [];
  const dryRuns: AuditEntry[] = [];
  requests.forEach((request, index) => {
    const screened = screen(request);
    if (screened !== undefined) {
      outcomes[index] = screened;
      return;
    }
    const intent = intentEntry(services, request, randomUUID());
    if (request.dryRun) dryRuns.push(intent);
    else live.push({ index, request, intent, handle: undefined });
  });

  await refuseForPeople(services, requests, outcomes, log);
  await recordDryRuns(services, requests, dryRuns, outcomes, log);

  const claimed = await claimAll(services, live, outcomes, log);
  const recorded = await writeIntents(services, claimed, outcomes, log);
  const results = await mapWithConcurrency(recorded, ARM_WRITES_IN_FLIGHT, (item) =>
    rereadAndWrite(services, item),
  );
  await finish(services, recorded, results, outcomes, log);
  return outcomes.map(
    (o) => o ?? { kind: 'failed', decisionId: undefined, error: toAppError(new Error('no outcome')) },
  );
}

/** Already in the target state (no-op), or a transition ARM does not allow (refused). */
function screen(request: DecisionRequest): DecisionOutcome | undefined {
  const target = targetStatusOf(request.action);
  if (request.capture.status === target) return { kind: 'no-op' };
  const refusal = transitionRefusal(request.capture.status, target);
  return refusal === undefined ? undefined : { kind: 'refused', reason: refusal };
}

async function refuseForPeople(
  services: DecisionDeps,
  requests: readonly DecisionRequest[],
  outcomes: (DecisionOutcome | undefined)[],
  log: Log,
): Promise<void> {
  // The policy never plans these (planDecision leaves Rejected alone); a person asking is recorded.
  const entries: AuditEntry[] = [];
  requests.forEach((request, i) => {
    const outcome = outcomes[i];
    if (outcome?.kind !== 'refused' || request.actor.kind !== 'person') return;
    entries.push(
      outcomeEntry(services, intentEntry(services, request, randomUUID()), 'refused', {
        detail: outcome.reason,
      }),
    );
  });
  await writeOutcomes(services, entries, log);
}

async function recordDryRuns(
  services: DecisionDeps,
  requests: readonly DecisionRequest[],
  intents: readonly AuditEntry[],
  outcomes: (DecisionOutcome | undefined)[],
  log: Log,
): Promise<void> {
  if (intents.length === 0) return;
  const rows = intents.flatMap((intent) => [
    intent,
    outcomeEntry(services, intent, 'dry-run', { detail: 'APPROVAL_MODE is dry-run: nothing written to ARM' }),
  ]);
  const failed = await services.audit.writeMany(rows);
  let i = 0;
  requests.forEach((request, index) => {
    if (outcomes[index] !== undefined || !request.dryRun) return;
    const intent = intents[i++];
    if (intent === undefined) return;
    outcomes[index] = failed.has(entryId(intent))
      ? failedOutcome(
          intent.decisionId,
          storageError('writing the dry-run audit row', undefined),
          request,
          log,
          'dry-run audit write failed',
        )
      : { kind: 'dry-run', decisionId: intent.decisionId };
  });
}

/** Write-ahead: a decision whose intent row is not stored goes no further (and gives its claim back). */
async function writeIntents(
  services: DecisionDeps,
  claimed: readonly Live[],
  outcomes: (DecisionOutcome | undefined)[],
  log: Log,
): Promise<Live[]> {
  if (claimed.length === 0) return [];
  const failed = await services.audit.writeMany(claimed.map((item) => item.intent));
  const recorded: Live[] = [];
  const released: ClaimHandle[] = [];
  for (const item of claimed) {
    if (!failed.has(entryId(item.intent))) {
      recorded.push(item);
      continue;
    }
    if (item.handle !== undefined) released.push(item.handle);
    outcomes[item.index] = failedOutcome(
      item.intent.decisionId,
      storageError('writing the audit intent row', undefined),
      item.request,
      log,
      'intent audit write failed; nothing written to ARM',
    );
  }
  await releaseAll(services, released, log);
  return recorded;
}

async function finish(
  services: DecisionDeps,
  recorded: readonly Live[],
  results: readonly WriteResult[],
  outcomes: (DecisionOutcome | undefined)[],
  log: Log,
): Promise<void> {
  const rows: AuditEntry[] = [];
  const done: ClaimHandle[] = [];
  const released: ClaimHandle[] = [];
  const records = new Map<string, RecordPatch>();
  const applied: { item: Live; connection: PrivateEndpointConnection }[] = [];
  recorded.forEach((item, i) => {
    const result = results[i];
    if (result === undefined) return;
    const decisionId = item.intent.decisionId;
    if (result.kind === 'applied') {
      const row = outcomeEntry(services, item.intent, 'succeeded', { statusAfter: result.connection.status });
      rows.push(row);
      records.set(entryId(row), decidedRecord(item.request, result.connection, decisionId, row.at));
      // ARM holds the decision whatever happens to the rows: the claim is completed, never released.
      if (item.handle !== undefined) done.push(item.handle);
      applied.push({ item, connection: result.connection });
    } else if (result.kind === 'stale') {
      rows.push(
        outcomeEntry(services, item.intent, 'skipped', {
          detail: result.detail,
          statusAfter: result.statusNow,
          error: result.error,
        }),
      );
      if (item.handle !== undefined) released.push(item.handle);
      outcomes[item.index] = { kind: 'stale', decisionId, statusNow: result.statusNow };
    } else {
      rows.push(
        outcomeEntry(services, item.intent, 'failed', { detail: result.detail, error: result.error }),
      );
      if (item.handle !== undefined) released.push(item.handle);
      outcomes[item.index] = failedOutcome(decisionId, result.error, item.request, log, result.detail);
    }
  });
  const lost = await writeOutcomes(services, rows, log, records);
  await noteWriteAccess(services, recorded, results, log);
  for (const { item, connection } of applied) {
    const decisionId = item.intent.decisionId;
    // Success is reported only with the outcome row and the connection record stored (one
    // transaction): what the product knows about the connection never lags what it told the caller.
    outcomes[item.index] = lost.has(decisionId)
      ? failedOutcome(
          decisionId,
          storageError('writing the outcome row and the connection record', undefined),
          item.request,
          log,
          'written to ARM, but the outcome row and the connection record were not stored',
        )
      : { kind: 'applied', decisionId, connection };
  }
  const settled = await Promise.allSettled([
    services.claims.completeMany(done),
    releaseAll(services, released, log),
  ]);
  if (settled.some((r) => r.status === 'rejected')) {
    // Claims only: an unfinished claim expires on its own.
    logEvent(log, { event: 'approval.settle_incomplete', decisions: applied.length });
  }
}

/** The record of a connection a decision just changed: what ARM answered, and who decided it, when and why. */
function decidedRecord(
  request: DecisionRequest,
  connection: PrivateEndpointConnection,
  decisionId: string,
  at: Date,
): RecordPatch {
  const { capture, actor } = request;
  return {
    plsId: connection.plsId,
    connectionId: connection.id,
    connectionName: connection.name,
    status: connection.status,
    privateEndpointId: capture.connection.privateEndpointId,
    privateEndpointLocation: capture.connection.privateEndpointLocation,
    consumerSubscriptionId: capture.consumerSubscriptionId,
    consumerTenantId: capture.consumerTenantId,
    requestMessage: capture.requestMessage,
    linkId: connection.linkIdentifier ?? capture.connection.linkIdentifier,
    firstSeenAt: request.firstSeenAt ?? at.toISOString(),
    changedAt: at.toISOString(),
    // A decision starts the connection's term afresh: its end (or none, written as '' to clear an
    // older one), no expiry step done yet, no first approval waiting.
    approvalEndsAt: request.action === 'approve' ? (request.approvalEndsAt ?? '') : '',
    expiryStage: '',
    expiryStageFor: '',
    firstApproval: undefined,
    // Only a decision that knows the customer sets it: a later one without it keeps the stored one.
    ...(request.customer !== undefined ? { customer: request.customer } : {}),
    decision: {
      actorKind: actor.kind,
      actor: actor.kind === 'person' ? actor.name : 'policy',
      actorObjectId: actor.kind === 'person' ? actor.objectId : undefined,
      actorTenantId: actor.kind === 'person' ? actor.tenantId : undefined,
      at: at.toISOString(),
      action: request.action,
      rule: request.rule,
      reason: request.reason,
      decisionId,
    },
  };
}
