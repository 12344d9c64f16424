import { randomUUID } from 'node:crypto';
import type { ArmGateway } from '../../arm/arm-gateway';
import type { Clock } from '../../clock';
import { AppError, toAppError } from '../../errors';
import type { Actor } from '../core/actor';
import type { CapturedConnection } from '../core/captured-connection';
import type { ConnectionRecord, FirstApproval, RecordPatch } from '../core/connection-record';
import { liveFirstApproval, renewedDescription, samePerson } from '../core/expiry';
import { type AuditEntry, auditedConnection } from '../storage/audit-store';
import type { ClaimStore } from '../storage/claim-store';
import type { ApprovalMode } from './approval-services';
import { type ExpiryDeps, outcomeOf, settleClaim, write } from './expire-approvals';

/*
 * A person's part in approvals that end and in the two-person rule, beside the decision path:
 * the first of two approvals (recorded, nothing written to ARM) and a renewal (`until` again on an
 * Approved connection). Both take the connection's claim, so they cannot interleave with a
 * decision, another person's first approval, or a step of the approval's end on another instance.
 */
export interface PersonTermsDeps {
  readonly arm: Pick<ArmGateway, 'readConnection' | 'updateConnectionState'>;
  readonly audit: ExpiryDeps['audit'];
  readonly claims: Pick<ClaimStore, 'acquire' | 'complete' | 'release'>;
  readonly records: { get(plsId: string, connectionName: string): Promise<ConnectionRecord | undefined> };
  readonly clock: Clock;
  readonly mode: ApprovalMode;
  readonly expiry: ExpiryDeps['expiry'];
}

export interface TermsRequest {
  readonly capture: CapturedConnection;
  readonly actor: Extract<Actor, { kind: 'person' }>;
  readonly reason: string;
  readonly correlationId: string;
}

export type TermsOutcome =
  | { readonly kind: 'recorded'; readonly decisionId: string; readonly first: FirstApproval }
  | { readonly kind: 'dry-run'; readonly decisionId: string }
  | {
      readonly kind: 'renewed';
      readonly decisionId: string;
      readonly status: string;
      readonly description: string;
    };

/** The first of two approvals: recorded on the connection record with its audit row; nothing goes to ARM. */
export async function recordFirstApproval(
  deps: PersonTermsDeps,
  request: TermsRequest & { readonly until: string | undefined; readonly why: string },
  log: Parameters<typeof write>[3]['log'],
): Promise<TermsOutcome> {
  const { capture, actor } = request;
  const entry = rowOf(deps, request, 'first-approval', {
    reason: request.reason === '' ? `first of two approvals (${request.why})` : request.reason,
    ...(request.until !== undefined ? { approvalEndsAt: request.until } : {}),
  });
  const claim = await claimOrConflict(deps, capture, entry.decisionId, 'first-approval', 'Pending');
  try {
    // Read again under the claim: a first approval recorded meanwhile is the one that counts.
    const record = await deps.records.get(capture.connection.plsId, capture.connection.name);
    const live = liveFirstApproval(record, deps.clock.now(), deps.expiry);
    if (live !== undefined) {
      if (samePerson(live.actorObjectId, actor.objectId)) throw samePersonError();
      throw new AppError(
        'conflict',
        'Another person has just given the first approval; read the connection again and approve as the second person.',
        {
          issues: [{ path: 'connection', message: 'a first approval was recorded meanwhile' }],
        },
      );
    }
    const first: FirstApproval = {
      actor: actor.name,
      actorObjectId: actor.objectId,
      at: deps.clock.now().toISOString(),
      until: request.until,
    };
    const row = {
      ...entry,
      kind: 'outcome' as const,
      result: deps.mode === 'dry-run' ? ('dry-run' as const) : ('succeeded' as const),
      statusAfter: capture.status,
    };
    const stored = await write(
      deps,
      [row],
      { ...recordBase(capture, record, deps.clock.now()), firstApproval: first },
      { trigger: 'api', correlationId: request.correlationId, log },
    );
    if (!stored)
      throw new AppError(
        'storage_unavailable',
        'The first approval could not be recorded; nothing was written. Try again.',
      );
    return { kind: 'recorded', decisionId: entry.decisionId, first };
  } finally {
    // Released, not completed: the second person's decision must be able to take the claim at once.
    await settleClaim(deps, claim, false, { trigger: 'api', correlationId: request.correlationId, log });
  }
}

/** The error for the same person approving twice (object ids compared whatever the case). */
export function samePersonError(): AppError {
  return new AppError(
    'forbidden',
    'You gave the first approval of this connection; the two-person rule needs a second approval by a different person.',
    { issues: [{ path: 'principal', message: 'the same person cannot give both approvals' }] },
  );
}

/**
 * Renewal: the approval's end moves to `until`, and the connection's description says so (the
 * consumer may have read "access ends on …"). Guarded like an expiry step: claim, intent row,
 * re-read (still Approved, the version the person read), PUT with If-Match, then the outcome row
 * with the record's new end in one transaction. The new end resets the expiry steps (core/expiry.ts),
 * and the PUT changes the connection's ETag, so a removal planned on the old end is refused at its re-read.
 */
export async function renewApproval(
  deps: PersonTermsDeps,
  request: TermsRequest & { readonly until: string; readonly requiredEtag: string | undefined },
  log: Parameters<typeof write>[3]['log'],
): Promise<TermsOutcome> {
  const { capture, until } = request;
  const description = renewedDescription(until);
  const intent = rowOf(deps, request, 'renew', { description, approvalEndsAt: until });
  const context = { trigger: 'api' as const, correlationId: request.correlationId, log };
  if (deps.mode === 'dry-run') {
    // Dry-run writes nothing to ARM, and so keeps the record's end as it was too.
    if (!(await write(deps, [intent, outcomeOf(deps, intent, 'dry-run', {})], undefined, context)))
      throw new AppError('storage_unavailable', 'The renewal could not be audited; nothing was written.');
    return { kind: 'dry-run', decisionId: intent.decisionId };
  }
  const claim = await claimOrConflict(deps, capture, intent.decisionId, `renew|${until}`, 'Approved');
  let written = false;
  try {
    if (!(await write(deps, [intent], undefined, context)))
      throw new AppError('storage_unavailable', 'The renewal could not be audited; nothing was written.');
    const { plsId, name } = capture.connection;
    const current = await deps.arm.readConnection(plsId, name).catch((error: unknown) => {
      throw toAppError(error);
    });
    const expected = request.requiredEtag ?? capture.connection.etag;
    if (current.status !== 'Approved' || (expected !== undefined && current.etag !== expected)) {
      await write(
        deps,
        [
          outcomeOf(deps, intent, 'skipped', {
            detail: 'the connection changed since it was read',
            statusAfter: current.status,
          }),
        ],
        undefined,
        context,
      );
      throw new AppError(
        'state_changed',
        `The connection changed while the renewal was being written (it is ${current.status} now); nothing was written. Read it again.`,
        {
          issues: [
            {
              path: 'connection',
              message: 'the connection is no longer in the state the renewal was made on',
            },
          ],
        },
      );
    }
    let updated: Awaited<ReturnType<PersonTermsDeps['arm']['updateConnectionState']>>;
    try {
      updated = await deps.arm.updateConnectionState(plsId, name, {
        status: 'Approved',
        description,
        ...(current.etag !== undefined ? { ifMatch: current.etag } : {}),
      });
    } catch (error) {
      const appError = toAppError(error);
      await write(
        deps,
        [outcomeOf(deps, intent, 'failed', { detail: 'ARM write failed', error: appError })],
        undefined,
        context,
      );
      throw appError;
    }
    written = true;
    const record: RecordPatch = {
      ...recordBase(capture, await deps.records.get(plsId, name), deps.clock.now()),
      approvalEndsAt: until,
      expiryStage: '',
      expiryStageFor: '',
      changedAt: deps.clock.now().toISOString(),
    };
    if (
      !(await write(
        deps,
        [outcomeOf(deps, intent, 'succeeded', { statusAfter: updated.status })],
        record,
        context,
      ))
    )
      throw new AppError(
        'storage_unavailable',
        'The renewal reached ARM, but its record could not be stored; renew again.',
      );
    return { kind: 'renewed', decisionId: intent.decisionId, status: updated.status, description };
  } finally {
    await settleClaim(deps, claim, written, context);
  }
}

/**
 * The connection's own columns, so the record is complete even when no reconciliation has listed
 * the connection yet (a record row missing them is not read back, and the write would be lost).
 */
function recordBase(
  capture: CapturedConnection,
  record: ConnectionRecord | undefined,
  now: Date,
): RecordPatch {
  const c = capture.connection;
  return {
    plsId: c.plsId,
    connectionId: c.id,
    connectionName: c.name,
    status: capture.status,
    privateEndpointId: c.privateEndpointId,
    privateEndpointLocation: c.privateEndpointLocation,
    consumerSubscriptionId: capture.consumerSubscriptionId,
    consumerTenantId: capture.consumerTenantId,
    requestMessage: capture.requestMessage,
    firstSeenAt: record?.firstSeenAt ?? now.toISOString(),
    changedAt: now.toISOString(),
  };
}

async function claimOrConflict(
  deps: PersonTermsDeps,
  capture: CapturedConnection,
  decisionId: string,
  basedOn: string,
  status: string,
) {
  const result = await deps.claims.acquire({
    plsId: capture.connection.plsId,
    connectionName: capture.connection.name,
    decisionId,
    actorKind: 'person',
    basedOn: `${status}|${basedOn}`,
    basedOnEtag: capture.connection.etag,
    target: basedOn,
  });
  if (!result.acquired)
    throw new AppError(
      'conflict',
      'Another decision is being written for this connection right now; read it again and retry if it is still needed.',
      {
        issues: [{ path: 'connection', message: 'another decision holds this connection' }],
      },
    );
  return result.handle;
}

function rowOf(
  deps: PersonTermsDeps,
  request: TermsRequest,
  action: 'first-approval' | 'renew',
  extra: Partial<AuditEntry>,
): AuditEntry {
  return {
    kind: 'intent',
    decisionId: randomUUID(),
    at: deps.clock.now(),
    ...auditedConnection(request.capture),
    action,
    rule: undefined,
    policyVersion: undefined,
    actor: request.actor,
    description: undefined,
    reason: request.reason,
    mode: deps.mode === 'dry-run' ? 'dry-run' : 'enforce',
    trigger: 'api',
    correlationId: request.correlationId,
    ...extra,
  };
}
