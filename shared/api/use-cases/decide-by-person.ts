import type { Actor } from '../../approval/core/actor';
import { type CapturedConnection, captureConnection, factsOf } from '../../approval/core/captured-connection';
import { liveFirstApproval, samePerson } from '../../approval/core/expiry';
import { type ApprovalTerms, approvalTermsOf } from '../../approval/core/policy/evaluate-policy';
import type { Policy } from '../../approval/core/policy/policy';
import { targetStatusOf } from '../../approval/core/transitions';
import type { ConnectionRecordStore } from '../../approval/storage/connection-record-store';
import type { TenantCache } from '../../approval/storage/tenant-cache';
import type { ApprovalMode, DecisionDeps } from '../../approval/use-cases/approval-services';
import { type DecisionOutcome, decideConnection } from '../../approval/use-cases/decide-connection';
import {
  type PersonTermsDeps,
  recordFirstApproval,
  renewApproval,
  samePersonError,
  type TermsRequest,
} from '../../approval/use-cases/person-terms';
import type { PrivateEndpointConnection } from '../../arm/arm-gateway';
import { consumerSubscriptionOf } from '../../arm/resource-id';
import type { Principal } from '../../auth/principal';
import type { Config } from '../../config/config';
import { AppError } from '../../errors';
import type { Log } from '../../log';
import { type DecisionResult, MAX_REASON_LENGTH, MAX_UNTIL_DAYS, type PlsRef } from '../core/api-schemas';
import { connectionNotFound } from './connection-reader';
import { type ManagedPlsSource, resolveManagedPls } from './managed-pls';
import { actorView, approvalsView } from './views';

/** What a person's decision uses: the managed PLS list, and the decision path's services (built on first use). */
export interface PersonDecisionDeps {
  readonly config: Config;
  approvalServices(): Promise<PersonDecisionServices>;
  /** The policy says whether a connection needs two approvals and how long a rule's approval lasts. */
  approvalPolicy(): Promise<Policy>;
}

export interface PersonDecisionServices
  extends DecisionDeps,
    ManagedPlsSource,
    Omit<PersonTermsDeps, 'records' | 'claims' | 'arm' | 'audit'> {
  readonly tenants: Pick<TenantCache, 'tenantOf'>;
  readonly records: Pick<ConnectionRecordStore, 'get'>;
  readonly mode: ApprovalMode;
  readonly claims: DecisionDeps['claims'] & PersonTermsDeps['claims'];
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
  /** When the approval ends (body `until`, ISO): approves until then, or renews an Approved connection. */
  readonly until?: string | undefined;
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
  const services = await deps.approvalServices();
  // A discovered PLS is only a name here: the connection itself is read from ARM just below.
  const pls = await resolveManagedPls(services, decision.pls, log);
  const connection = await readConnectionOrNotFound(services, pls, decision.connection);
  const requiredEtag = checkPreconditions(decision, connection);
  const record = await services.records.get(pls.id, connection.name);
  const capture = captureConnection(connection, {
    consumerTenantId: await services.tenants.tenantOf(consumerSubscriptionOf(connection.privateEndpointId)),
    earlierRequestMessage: record?.requestMessage,
  });
  const actor = personActor(decision.principal);
  const now = services.clock.now();
  const until = untilOf(decision.until, now);
  const base = {
    action: decision.action,
    statusBefore: capture.status,
    actor: actorView(actor),
    at: now.toISOString(),
    connection: { pls, name: connection.name, id: connection.id },
  };
  const terms: TermsRequest = {
    capture,
    actor,
    reason: decision.reason ?? '',
    correlationId: decision.correlationId,
  };

  // Renewal: `until` again on an Approved connection moves the end (and cancels a removal under way).
  if (decision.action === 'approve' && capture.status === 'Approved' && until !== undefined) {
    const renewed = await renewApproval(services, { ...terms, until, requiredEtag }, log);
    return {
      ...base,
      outcome: renewed.kind === 'renewed' ? 'renewed' : 'dry-run',
      decisionId: renewed.decisionId,
      status: renewed.kind === 'renewed' ? renewed.status : capture.status,
      description: renewed.kind === 'renewed' ? renewed.description : null,
      approvalEndsAt: until,
    };
  }

  let approvalEndsAt: string | undefined;
  let secondOf: string | undefined;
  if (decision.action === 'approve' && capture.status === 'Pending') {
    const rule = await approvalTerms(deps, capture);
    approvalEndsAt = until ?? endFrom(rule, now);
    if (rule.approvalsRequired === 2) {
      const first = liveFirstApproval(record, now, services.expiry);
      if (first === undefined) {
        const recorded = await recordFirstApproval(
          services,
          { ...terms, until, why: `${rule.source} needs two approvals by different people` },
          log,
        );
        return {
          ...base,
          outcome: 'first-approval',
          decisionId: recorded.kind === 'recorded' ? recorded.decisionId : null,
          status: capture.status,
          description: null,
          approvalEndsAt: approvalEndsAt ?? null,
          approvals: approvalsView(
            1,
            recorded.kind === 'recorded' ? recorded.first : undefined,
            services.expiry.twoPersonMs,
          ),
        };
      }
      // The same person (object id, whatever the name or its case) cannot give the second approval.
      if (samePerson(first.actorObjectId, actor.objectId)) throw samePersonError();
      approvalEndsAt = until ?? first.until ?? endFrom(rule, now);
      secondOf = first.actor;
    }
  }
  const description = decision.reason ?? defaultDescription(decision.action, actor, secondOf);
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
      approvalEndsAt,
    },
    log,
  );
  const pinned = decision.ifMatch !== undefined || decision.expectedStatus !== undefined;
  const answered = answer(
    outcome,
    { ...base, at: services.clock.now().toISOString() },
    description,
    decision.action,
    pinned,
  );
  return approvalEndsAt !== undefined && answered.outcome !== 'unchanged'
    ? { ...answered, approvalEndsAt }
    : answered;
}

/** The body's `until`, checked against now: in the future, at most ten years ahead. */
function untilOf(until: string | undefined, now: Date): string | undefined {
  if (until === undefined) return undefined;
  const at = Date.parse(until);
  const issue = (message: string) =>
    new AppError('validation_failed', `until: ${message}.`, { issues: [{ path: 'body.until', message }] });
  if (Number.isNaN(at)) throw issue('expected an ISO 8601 date and time with a zone');
  if (at <= now.getTime()) throw issue('expected a time in the future');
  if (at > now.getTime() + MAX_UNTIL_DAYS * 86_400_000) throw issue('expected at most ten years ahead');
  return new Date(at).toISOString();
}

function endFrom(terms: ApprovalTerms, now: Date): string | undefined {
  return terms.approveForMs === undefined
    ? undefined
    : new Date(now.getTime() + terms.approveForMs).toISOString();
}

/**
 * The terms from the policy. Without a policy nobody can tell whether two approvals are needed, so
 * an approval is refused (fail closed) with the reason; a rejection never needs the policy.
 */
async function approvalTerms(deps: PersonDecisionDeps, capture: CapturedConnection): Promise<ApprovalTerms> {
  let policy: Policy;
  try {
    policy = await deps.approvalPolicy();
  } catch (error) {
    throw new AppError(
      'dependency_unavailable',
      'The approval policy cannot be loaded, so whether this connection needs two approvals (and when its approval ends) is unknown; nothing was written. Fix the policy (see the health route), or reject.',
      { cause: error },
    );
  }
  return approvalTermsOf(policy, factsOf(capture));
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

export function personActor(principal: Principal): Extract<Actor, { kind: 'person' }> {
  return { kind: 'person', name: principal.name, objectId: principal.objectId, tenantId: principal.tenantId };
}

/** Without a reason the description still says who decided; a name too long for ARM's 140 is left out, never cut. */
function defaultDescription(action: 'approve' | 'reject', actor: Actor, firstApprover?: string): string {
  const verb = action === 'approve' ? 'Approved' : 'Rejected';
  const named =
    actor.kind === 'person'
      ? `${verb} by ${firstApprover === undefined ? '' : `${firstApprover} and `}${actor.name} via the gatekeeper API`
      : `${verb} via the gatekeeper API`;
  return named.length <= MAX_REASON_LENGTH ? named : `${verb} via the gatekeeper API`;
}

function conflict(detail: string, path: string, message: string): AppError {
  return new AppError('conflict', detail, { issues: [{ path, message }] });
}
