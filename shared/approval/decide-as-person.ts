import { AppError } from '../errors';
import type { Actor } from './actor';
import type { ApprovalServices, Log } from './approval-services';
import { captureConnection } from './captured-connection';
import { type DecisionOutcome, decideConnection } from './decide-connection';
import type { DecisionAction } from './transitions';

export interface PersonDecision {
  readonly plsId: string;
  readonly connectionName: string;
  readonly action: DecisionAction;
  /** Written as the connection's description (at most 140 characters; the API validates it). */
  readonly reason: string;
  readonly actor: Extract<Actor, { kind: 'person' }>;
  readonly correlationId: string;
}

/**
 * A person's approve/reject (the manual approval API): reads the connection now, then runs the same
 * decision path as the policy with the person as actor. APPROVAL_MODE governs the policy only; a
 * person's decision is always written. Anything that prevents the write is a `conflict` AppError
 * whose message says why (Rejected → Approved, decided meanwhile, changed since read).
 */
export async function decideAsPerson(
  services: ApprovalServices,
  decision: PersonDecision,
  log: Log,
): Promise<Extract<DecisionOutcome, { kind: 'applied' | 'no-op' }>> {
  if (decision.reason.length > 140) {
    throw new AppError(
      'validation_failed',
      'The reason is written as the description; ARM allows 140 characters.',
      {
        issues: [{ path: 'reason', message: 'expected at most 140 characters' }],
      },
    );
  }
  const connection = await services.arm.getConnection(decision.plsId, decision.connectionName);
  const snapshot = await services.snapshots.get(decision.plsId, decision.connectionName);
  const capture = captureConnection(connection, {
    consumerTenantId: await services.tenants.tenantOf(
      captureConnection(connection, { consumerTenantId: undefined }).consumerSubscriptionId,
    ),
    earlierRequestMessage: snapshot?.requestMessage,
  });
  const outcome = await decideConnection(
    services,
    {
      capture,
      action: decision.action,
      description: decision.reason,
      reason: decision.reason,
      rule: undefined,
      policyVersion: undefined,
      actor: decision.actor,
      trigger: 'api',
      correlationId: decision.correlationId,
      dryRun: false,
    },
    log,
  );
  switch (outcome.kind) {
    case 'applied':
    case 'no-op':
      return outcome;
    case 'refused':
      throw new AppError('conflict', `Cannot ${decision.action}: ${outcome.reason}.`);
    case 'claimed':
      throw new AppError(
        'conflict',
        outcome.reason === 'held'
          ? 'Another decision on this connection is being written right now; read it again and retry.'
          : `The connection was just set to ${outcome.holderTarget} by another decision.`,
      );
    case 'stale':
      throw new AppError(
        'conflict',
        `The connection changed while deciding (it is ${outcome.statusNow ?? 'gone'} now); read it again.`,
      );
    case 'failed':
      throw outcome.error;
    case 'dry-run':
      throw new AppError('internal', 'A person’s decision was handled as a dry run.');
  }
}
