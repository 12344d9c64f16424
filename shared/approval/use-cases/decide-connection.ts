import { randomUUID } from 'node:crypto';
import type { PrivateEndpointConnection } from '../../arm/arm-gateway';
import { mapWithConcurrency } from '../../async/map-with-concurrency';
import { type AppError, toAppError } from '../../errors';
import { type Log, logEvent } from '../../log';
import { storageError } from '../../storage/table-errors';
import type { Actor } from '../core/actor';
import type { CapturedConnection } from '../core/captured-connection';
import { type DecisionAction, targetStatusOf, transitionRefusal } from '../core/transitions';
import { type AuditEntry, type AuditResult, auditedConnection, entryId } from '../storage/audit-store';
import type { ClaimHandle, ClaimResult } from '../storage/claim-store';
import type { ConnectionSnapshot } from '../storage/snapshot-store';
import type { DecisionDeps, Trigger } from './approval-services';

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
export interface DecisionRequest {
  readonly capture: CapturedConnection;
  readonly action: DecisionAction;
  /** Written to the connection; at most 140 characters. */
  readonly description: string;
  readonly reason: string;
  readonly rule: string | undefined;
  readonly policyVersion: string | undefined;
  readonly actor: Actor;
  readonly trigger: Trigger;
  readonly correlationId: string;
  /** Decide and audit, but write nothing to ARM (APPROVAL_MODE=dry-run). */
  readonly dryRun: boolean;
  /**
   * A person decided on this version of the connection (the ETag they read, `If-Match`): the write
   * goes ahead only if the re-read still shows it, else the decision is skipped as stale.
   */
  readonly requiredEtag?: string | undefined;
}

export type DecisionOutcome =
  | { readonly kind: 'applied'; readonly decisionId: string; readonly connection: PrivateEndpointConnection }
  | { readonly kind: 'dry-run'; readonly decisionId: string }
  /** Already in the decided state: nothing written, nothing audited. */
  | { readonly kind: 'no-op' }
  /** The transition is impossible (Rejected → Approved, Disconnected). */
  | { readonly kind: 'refused'; readonly reason: string }
  /** Another decision holds the connection, or just made this same decision. */
  | { readonly kind: 'claimed'; readonly reason: 'held' | 'decided'; readonly holderTarget: string }
  /** The re-read showed another state (or no connection): the decision was not written. */
  | { readonly kind: 'stale'; readonly decisionId: string; readonly statusNow: string | undefined }
  | { readonly kind: 'failed'; readonly decisionId: string | undefined; readonly error: AppError };

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

interface Live {
  readonly index: number;
  readonly request: DecisionRequest;
  readonly intent: AuditEntry;
  handle: ClaimHandle | undefined;
}

type WriteResult =
  | { readonly kind: 'applied'; readonly connection: PrivateEndpointConnection }
  | {
      readonly kind: 'stale';
      readonly statusNow: string | undefined;
      readonly detail: string;
      readonly error?: AppError;
    }
  | { readonly kind: 'failed'; readonly error: AppError; readonly detail: string };

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

async function claimAll(
  services: DecisionDeps,
  live: readonly Live[],
  outcomes: (DecisionOutcome | undefined)[],
  log: Log,
): Promise<Live[]> {
  if (live.length === 0) return [];
  let results: ClaimResult[];
  try {
    results = await services.claims.acquireMany(
      live.map((item) => ({
        plsId: item.request.capture.connection.plsId,
        connectionName: item.request.capture.connection.name,
        decisionId: item.intent.decisionId,
        actorKind: item.request.actor.kind,
        basedOn: item.request.capture.status,
        basedOnEtag: item.request.capture.connection.etag,
        target: targetStatusOf(item.request.action),
      })),
    );
  } catch (error) {
    for (const item of live) {
      outcomes[item.index] = failedOutcome(
        undefined,
        error,
        item.request,
        log,
        'claim could not be taken; nothing written to ARM',
      );
    }
    return [];
  }
  const claimed: Live[] = [];
  const contested: AuditEntry[] = [];
  live.forEach((item, i) => {
    const result = results[i];
    if (result === undefined) return;
    if (result.acquired) {
      item.handle = result.handle;
      claimed.push(item);
      return;
    }
    outcomes[item.index] = { kind: 'claimed', reason: result.reason, holderTarget: result.holder.target };
    // Duplicates of the policy's own decision stay silent (a storm must not flood the audit); a
    // contest between a person and the policy, or between people, is recorded for both sides.
    if (item.request.actor.kind === 'person' || result.holder.actorKind !== item.request.actor.kind) {
      contested.push(
        outcomeEntry(services, item.intent, 'skipped', {
          detail:
            result.reason === 'held'
              ? `another decision (${result.holder.actorKind}, to ${result.holder.target}) is being written`
              : `another decision (${result.holder.actorKind}) already set it to ${result.holder.target}`,
        }),
      );
    }
  });
  await writeOutcomes(services, contested, log);
  return claimed;
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

async function rereadAndWrite(services: DecisionDeps, item: Live): Promise<WriteResult> {
  const { capture } = item.request;
  const current = await reread(services, capture);
  if (current.kind === 'error')
    return { kind: 'failed', error: current.error, detail: 're-read failed; nothing written to ARM' };
  const changed = changedSince(item.request, current.connection);
  if (changed !== undefined) return changed;
  const sentEtag = current.connection?.etag;
  try {
    const connection = await services.arm.updateConnectionState(
      capture.connection.plsId,
      capture.connection.name,
      {
        status: targetStatusOf(item.request.action),
        description: item.request.description,
        // A change between the re-read and this write is refused by ARM instead of overwritten.
        ...(sentEtag !== undefined ? { ifMatch: sentEtag } : {}),
      },
    );
    return { kind: 'applied', connection };
  } catch (error) {
    const appError = toAppError(error);
    // What happened is read from ARM again, not guessed from the error code: ARM's codes for these
    // cases are not all published (Rejected → Approved has none; a vanished connection answers 400
    // PrivateEndpointConnectionCannotBeCreatedByServiceProvider, Azure/azure-sdk-for-go#9484).
    const after = await reread(services, capture);
    if (after.kind === 'ok') {
      const moved =
        changedSince(item.request, after.connection) ??
        (after.connection?.etag !== undefined && sentEtag !== undefined && after.connection.etag !== sentEtag
          ? {
              kind: 'stale' as const,
              statusNow: after.connection.status,
              detail: 'the connection changed between the re-read and the write',
            }
          : undefined);
      if (moved !== undefined) return { ...moved, error: appError };
    }
    return { kind: 'failed', error: appError, detail: 'ARM write failed' };
  }
}

/** The connection as re-read, against the state the decision was made on: undefined when unchanged. */
function changedSince(
  request: DecisionRequest,
  connection: PrivateEndpointConnection | undefined,
): Extract<WriteResult, { kind: 'stale' }> | undefined {
  const { capture } = request;
  if (connection === undefined)
    return { kind: 'stale', statusNow: undefined, detail: 'the connection no longer exists' };
  if (connection.status !== capture.status) {
    return {
      kind: 'stale',
      statusNow: connection.status,
      detail: `the connection is ${connection.status} now, not ${capture.status} as when decided`,
    };
  }
  if (request.requiredEtag !== undefined && connection.etag !== request.requiredEtag) {
    return {
      kind: 'stale',
      statusNow: connection.status,
      detail: 'the connection changed since the version the decision was made on (ETag)',
    };
  }
  return undefined;
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
  const applied: { request: DecisionRequest; connection: PrivateEndpointConnection }[] = [];
  recorded.forEach((item, i) => {
    const result = results[i];
    if (result === undefined) return;
    const decisionId = item.intent.decisionId;
    if (result.kind === 'applied') {
      rows.push(outcomeEntry(services, item.intent, 'succeeded', { statusAfter: result.connection.status }));
      if (item.handle !== undefined) done.push(item.handle);
      applied.push({ request: item.request, connection: result.connection });
      outcomes[item.index] = { kind: 'applied', decisionId, connection: result.connection };
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
  await writeOutcomes(services, rows, log);
  const settled = await Promise.allSettled([
    services.claims.completeMany(done),
    releaseAll(services, released, log),
    recordDecisionsInSnapshots(services, applied),
  ]);
  if (settled.some((r) => r.status === 'rejected')) {
    // Bookkeeping only: an unfinished claim expires, and the next list refreshes the snapshot.
    logEvent(log, { event: 'approval.settle_incomplete', decisions: applied.length });
  }
}

async function recordDecisionsInSnapshots(
  services: DecisionDeps,
  applied: readonly { request: DecisionRequest; connection: PrivateEndpointConnection }[],
): Promise<void> {
  const now = services.clock.now().toISOString();
  const byPls = new Map<string, Partial<ConnectionSnapshot>[]>();
  for (const { request, connection } of applied) {
    const list = byPls.get(connection.plsId) ?? [];
    list.push({
      plsId: connection.plsId,
      connectionId: connection.id,
      connectionName: connection.name,
      status: connection.status,
      changedAt: now,
      lastDecisionActorKind: request.actor.kind,
      lastDecisionActor: request.actor.kind === 'person' ? request.actor.name : 'policy',
      lastDecisionAt: now,
      lastDecisionRule: request.rule ?? '',
      requestMessage: request.capture.requestMessage,
    });
    byPls.set(connection.plsId, list);
  }
  await Promise.all([...byPls].map(([plsId, upserts]) => services.snapshots.apply(plsId, upserts, [])));
}

function intentEntry(services: DecisionDeps, request: DecisionRequest, decisionId: string): AuditEntry {
  const { capture } = request;
  return {
    kind: 'intent',
    decisionId,
    at: services.clock.now(),
    ...auditedConnection(capture),
    action: request.action,
    rule: request.rule,
    policyVersion: request.policyVersion,
    actor: request.actor,
    description: request.description,
    reason: request.reason,
    mode: request.dryRun ? 'dry-run' : 'enforce',
    trigger: request.trigger,
    correlationId: request.correlationId,
  };
}

async function reread(
  services: DecisionDeps,
  capture: CapturedConnection,
): Promise<
  { kind: 'ok'; connection: PrivateEndpointConnection | undefined } | { kind: 'error'; error: AppError }
> {
  try {
    return {
      kind: 'ok',
      connection: await services.arm.readConnection(capture.connection.plsId, capture.connection.name),
    };
  } catch (error) {
    const appError = toAppError(error);
    if (appError.code === 'arm_not_found') return { kind: 'ok', connection: undefined };
    return { kind: 'error', error: appError };
  }
}

function outcomeEntry(
  services: DecisionDeps,
  intent: AuditEntry,
  result: AuditResult,
  details: { detail?: string; error?: AppError | undefined; statusAfter?: string | undefined },
): AuditEntry {
  const error = details.error;
  return {
    ...intent,
    kind: 'outcome',
    at: services.clock.now(),
    result,
    ...(details.detail !== undefined ? { resultDetail: details.detail } : {}),
    ...(error !== undefined
      ? { errorCode: error.upstreamCode === undefined ? error.code : `${error.code}/${error.upstreamCode}` }
      : {}),
    ...(details.statusAfter !== undefined ? { statusAfter: details.statusAfter } : {}),
  };
}

async function writeOutcomes(services: DecisionDeps, rows: readonly AuditEntry[], log: Log): Promise<void> {
  if (rows.length === 0) return;
  const failed = await services.audit.writeMany(rows);
  // The ARM write (if any) already happened; an intent without an outcome reads as "unknown" in
  // the audit, and the next reconciliation records the state it finds.
  for (const row of rows) {
    if (failed.has(entryId(row))) {
      logEvent(log, {
        event: 'approval.audit.outcome_lost',
        decisionId: row.decisionId,
        connection: row.connectionId,
        result: row.result,
      });
    }
  }
}

async function releaseAll(services: DecisionDeps, handles: readonly ClaimHandle[], log: Log): Promise<void> {
  await Promise.all(
    handles.map(async (handle) => {
      try {
        await services.claims.release(handle);
      } catch {
        logEvent(log, { event: 'approval.claim_release_failed', connection: handle.request.connectionName });
      }
    }),
  );
}

function failedOutcome(
  decisionId: string | undefined,
  error: unknown,
  request: DecisionRequest | undefined,
  log: Log,
  what: string,
): DecisionOutcome {
  const appError = toAppError(error);
  logEvent(log, {
    event: 'approval.decision_failed',
    what,
    code: appError.code,
    upstreamCode: appError.upstreamCode,
    decisionId,
    connection: request?.capture.connection.id,
  });
  return { kind: 'failed', decisionId, error: appError };
}
