import type { Actor } from '../../approval/core/actor';
import { captureConnection } from '../../approval/core/captured-connection';
import { targetStatusOf } from '../../approval/core/transitions';
import type { ApprovalServices, Log } from '../../approval/use-cases/approval-services';
import { type DecisionOutcome, decideConnection } from '../../approval/use-cases/decide-connection';
import { consumerSubscriptionOf, type PrivateEndpointConnection } from '../../arm/arm-gateway';
import type { Principal } from '../../auth/principal';
import { AppError } from '../../errors';
import { type DecisionResult, MAX_REASON_LENGTH, type PlsRef } from '../core/api-schemas';
import type { ApprovalApiDeps } from './api-deps';
import { connectionNotFound } from './connection-reader';
import { resolveManagedPls } from './managed-pls';
import { actorView } from './views';

export interface PersonDecision {
  readonly pls: string;
  readonly connection: string;
  readonly action: 'approve' | 'reject';
  /** Required for reject (the schema enforces it); written as the description. */
  readonly reason: string | undefined;
  readonly principal: Principal;
  readonly correlationId: string;
}

/**
 * POST /connections/{pls}/{connection}/approve|reject: a person's decision, through the same
 * write-ahead decision path as the policy's (claim, intent row, re-read, guarded PUT, outcome row),
 * with the person as the actor. Every way the decision can be refused becomes a 409 that says why.
 *
 *   resolve the PLS → read the connection → capture it → decide → answer (or explain the conflict)
 */
export async function decideByPerson(
  container: ApprovalApiDeps,
  decision: PersonDecision,
  log: Log,
): Promise<DecisionResult> {
  const pls = resolveManagedPls(container.config, decision.pls);
  const services = await container.approvalServices();
  const connection = await readConnection(services, pls, decision.connection);
  const capture = captureConnection(connection, {
    consumerTenantId: await services.tenants.tenantOf(consumerSubscriptionOf(connection.privateEndpointId)),
    earlierRequestMessage: (await services.snapshots.get(pls.id, connection.name))?.requestMessage,
  });
  const actor = personActor(decision.principal);
  const description = decision.reason ?? defaultDescription(decision.action, actor);
  const outcome = await decideConnection(
    services,
    {
      capture,
      action: decision.action,
      description,
      reason:
        decision.reason ??
        `${decision.action === 'approve' ? 'approved' : 'rejected'} by a person (no reason given)`,
      rule: undefined,
      policyVersion: undefined,
      actor,
      trigger: 'api',
      correlationId: decision.correlationId,
      // APPROVAL_MODE=dry-run writes nothing to ARM for anyone; `off` only stops the policy deciding.
      dryRun: services.mode === 'dry-run',
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
  return answer(outcome, base, description, decision.action);
}

function answer(
  outcome: DecisionOutcome,
  base: Omit<DecisionResult, 'outcome' | 'decisionId' | 'status' | 'description'>,
  description: string,
  action: 'approve' | 'reject',
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

async function readConnection(
  services: ApprovalServices,
  pls: PlsRef,
  name: string,
): Promise<PrivateEndpointConnection> {
  try {
    return await services.arm.getConnection(pls.id, name);
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
