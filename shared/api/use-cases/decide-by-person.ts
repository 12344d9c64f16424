import type { Actor } from '../../approval/core/actor';
import { captureConnection } from '../../approval/core/captured-connection';
import { targetStatusOf } from '../../approval/core/transitions';
import type { ConnectionRecordStore } from '../../approval/storage/connection-record-store';
import type { TenantCache } from '../../approval/storage/tenant-cache';
import type { ApprovalMode, DecisionDeps } from '../../approval/use-cases/approval-services';
import { type DecisionOutcome, decideConnection } from '../../approval/use-cases/decide-connection';
import type { PrivateEndpointConnection } from '../../arm/arm-gateway';
import { consumerSubscriptionOf } from '../../arm/resource-id';
import type { Principal } from '../../auth/principal';
import type { Config } from '../../config/config';
import { AppError } from '../../errors';
import type { Log } from '../../log';
import { type DecisionResult, MAX_REASON_LENGTH, type PlsRef } from '../core/api-schemas';
import { connectionNotFound } from './connection-reader';
import { resolveManagedPls } from './managed-pls';
import { actorView } from './views';

/** What a person's decision uses: the managed PLS list, and the decision path's services (built on first use). */
export interface PersonDecisionDeps {
  readonly config: Config;
  approvalServices(): Promise<PersonDecisionServices>;
}

export interface PersonDecisionServices extends DecisionDeps {
  readonly tenants: Pick<TenantCache, 'tenantOf'>;
  readonly records: Pick<ConnectionRecordStore, 'get'>;
  readonly mode: ApprovalMode;
}

export interface PersonDecision {
  readonly pls: string;
  readonly connection: string;
  readonly action: 'approve' | 'reject';
  /** Required for reject (the schema enforces it); written as the description. */
  readonly reason: string | undefined;
  readonly principal: Principal;
  readonly correlationId: string;
  /** The `If-Match` header as sent: the connection's ETag the person decided on (or `*`). */
  readonly ifMatch?: string | undefined;
  /** The status the person saw (body `expectedStatus`). */
  readonly expectedStatus?: 'Pending' | 'Approved' | 'Rejected' | undefined;
}

/**
 * POST /connections/{pls}/{connection}/approve|reject: a person's decision, through the same
 * write-ahead decision path as the policy's (claim, intent row, re-read, guarded PUT, outcome row),
 * with the person as the actor. Every way the decision can be refused becomes a 409 that says why.
 * A person who names the version they decided on (If-Match, expectedStatus) gets 409
 * `state_changed` with nothing written when the connection is no longer that version.
 *
 *   resolve the PLS → read the connection → check the caller's preconditions → capture it → decide →
 *   answer (or explain the conflict)
 */
export async function decideByPerson(
  deps: PersonDecisionDeps,
  decision: PersonDecision,
  log: Log,
): Promise<DecisionResult> {
  const pls = resolveManagedPls(deps.config, decision.pls);
  const services = await deps.approvalServices();
  const connection = await readConnectionOrNotFound(services, pls, decision.connection);
  const requiredEtag = checkPreconditions(decision, connection);
  const record = await services.records.get(pls.id, connection.name);
  const capture = captureConnection(connection, {
    consumerTenantId: await services.tenants.tenantOf(consumerSubscriptionOf(connection.privateEndpointId)),
    earlierRequestMessage: record?.requestMessage,
  });
  const actor = personActor(decision.principal);
  const description = decision.reason ?? defaultDescription(decision.action, actor);
  const outcome = await decideConnection(
    services,
    {
      capture,
      action: decision.action,
      description,
      // Empty when the person gave none: the audit records what was said, never wording of ours.
      reason: decision.reason ?? '',
      rule: undefined,
      policyVersion: undefined,
      actor,
      trigger: 'api',
      correlationId: decision.correlationId,
      // APPROVAL_MODE=dry-run writes nothing to ARM for anyone; `off` only stops the policy deciding.
      dryRun: services.mode === 'dry-run',
      requiredEtag,
      firstSeenAt: record?.firstSeenAt,
    },
    log,
  );
  const base = {
    action: decision.action,
    statusBefore: capture.status,
    actor: actorView(actor),
    at: services.clock.now().toISOString(),
    connection: { pls, name: connection.name, id: connection.id },
  };
  const pinned = decision.ifMatch !== undefined || decision.expectedStatus !== undefined;
  return answer(outcome, base, description, decision.action, pinned);
}

/**
 * The person's view against ARM's: a mismatch is 409 `state_changed` before anything is written.
 * Returns the ETag the write must still find at the re-read (undefined when none was pinned).
 */
function checkPreconditions(
  decision: PersonDecision,
  connection: PrivateEndpointConnection,
): string | undefined {
  if (decision.expectedStatus !== undefined && decision.expectedStatus !== connection.status) {
    throw stateChanged(
      `The connection is ${connection.status} now, not ${decision.expectedStatus} as when you read it; nothing was written. Read it again.`,
      'expectedStatus',
    );
  }
  const ifMatch = decision.ifMatch?.trim();
  if (ifMatch === undefined || ifMatch === '*') return undefined;
  if (ifMatch.length > 1024)
    throw new AppError('validation_failed', 'The If-Match header is too long.', {
      issues: [
        { path: 'If-Match', message: 'expected the connection etag from GET (at most 1024 characters)' },
      ],
    });
  // An If-Match header may list several entity tags (RFC 9110 §13.1.1); ARM's ETag is compared as sent.
  const tags = ifMatch.split(',').map((t) => t.trim());
  if (connection.etag === undefined || !tags.includes(connection.etag)) {
    throw stateChanged(
      'The connection has changed since the version you read (its ETag differs); nothing was written. Read it again.',
      'If-Match',
    );
  }
  return connection.etag;
}

function stateChanged(detail: string, path: string): AppError {
  return new AppError('state_changed', detail, {
    issues: [{ path, message: 'the connection is no longer in the state the decision was made on' }],
  });
}

function answer(
  outcome: DecisionOutcome,
  base: Omit<DecisionResult, 'outcome' | 'decisionId' | 'status' | 'description'>,
  description: string,
  action: 'approve' | 'reject',
  pinned: boolean,
): DecisionResult {
  const target = targetStatusOf(action);
  switch (outcome.kind) {
    case 'applied':
      return {
        ...base,
        outcome: 'applied',
        decisionId: outcome.decisionId,
        status: outcome.connection.status,
        description,
      };
    case 'dry-run':
      return {
        ...base,
        outcome: 'dry-run',
        decisionId: outcome.decisionId,
        status: base.statusBefore,
        description,
      };
    case 'no-op':
      return { ...base, outcome: 'unchanged', decisionId: null, status: target, description: null };
    case 'refused':
      throw conflict(
        base.statusBefore === 'Rejected' && action === 'approve'
          ? 'A Rejected connection cannot be approved: ARM does not allow Rejected → Approved. The consumer must delete and recreate the private endpoint to ask again.'
          : `The connection is ${base.statusBefore}; ${outcome.reason}.`,
        'status',
        outcome.reason,
      );
    case 'claimed':
      throw conflict(
        outcome.reason === 'held'
          ? `Another decision (to ${outcome.holderTarget}) is being written for this connection right now; read it again and retry if it is still needed.`
          : `Another decision has just set this connection to ${outcome.holderTarget}; read it again before deciding.`,
        'connection',
        'another decision holds this connection',
      );
    case 'stale':
      if (pinned)
        throw stateChanged(
          `The connection changed while the decision was being written${outcome.statusNow === undefined ? '' : ` (it is ${outcome.statusNow} now)`}; nothing was written. Read it again.`,
          'connection',
        );
      throw conflict(
        outcome.statusNow === undefined
          ? 'The connection changed while the decision was being written (or no longer exists); nothing was written. Read it again.'
          : `The connection is ${outcome.statusNow} now, not ${base.statusBefore} as when read; nothing was written. Read it again.`,
        'status',
        'the connection changed meanwhile',
      );
    case 'failed':
      throw outcome.error;
  }
}

/** The connection from ARM; one that is gone is the API's 404 for that connection, not an ARM error. */
async function readConnectionOrNotFound(
  services: Pick<DecisionDeps, 'arm'>,
  pls: PlsRef,
  name: string,
): Promise<PrivateEndpointConnection> {
  try {
    return await services.arm.readConnection(pls.id, name);
  } catch (error) {
    if (error instanceof AppError && error.code === 'arm_not_found') throw connectionNotFound(pls, name);
    throw error;
  }
}

export function personActor(principal: Principal): Actor {
  return { kind: 'person', name: principal.name, objectId: principal.objectId, tenantId: principal.tenantId };
}

/** Without a reason the description still says who decided; a name too long for ARM's 140 is left out, never cut. */
function defaultDescription(action: 'approve' | 'reject', actor: Actor): string {
  const verb = action === 'approve' ? 'Approved' : 'Rejected';
  const named =
    actor.kind === 'person'
      ? `${verb} by ${actor.name} via the gatekeeper API`
      : `${verb} via the gatekeeper API`;
  return named.length <= MAX_REASON_LENGTH ? named : `${verb} via the gatekeeper API`;
}

function conflict(detail: string, path: string, message: string): AppError {
  return new AppError('conflict', detail, { issues: [{ path, message }] });
}
