import { type AppError, toAppError } from '../../errors';
import { type Log, logEvent } from '../../log';
import type { RecordPatch } from '../core/connection-record';
import type { AuditEntry, AuditResult } from '../storage/audit-store';
import { auditedConnection, entryId } from '../storage/audit-store';
import type { DecisionDeps } from './approval-services';
import type { DecisionOutcome, DecisionRequest } from './decision-request';

/* The decision path's audit rows: the intent (written ahead of any ARM write) and the outcome. */

export function intentEntry(
  services: DecisionDeps,
  request: DecisionRequest,
  decisionId: string,
): AuditEntry {
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
    ...(request.customer !== undefined ? { customer: request.customer } : {}),
    ...(request.action === 'approve' && request.approvalEndsAt !== undefined
      ? { approvalEndsAt: request.approvalEndsAt }
      : {}),
  };
}

export function outcomeEntry(
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

export async function writeOutcomes(
  services: DecisionDeps,
  rows: readonly AuditEntry[],
  log: Log,
  /** Connection records written with their outcome rows (by entryId), together or not at all. */
  records?: ReadonlyMap<string, RecordPatch>,
): Promise<Set<string>> {
  const lost = new Set<string>();
  if (rows.length === 0) return lost;
  const failed = await services.audit.writeMany(rows, records);
  // The ARM write (if any) already happened; an intent without an outcome reads as "unknown" in
  // the audit, and the next reconciliation records the state it finds.
  for (const row of rows) {
    if (failed.has(entryId(row))) {
      lost.add(row.decisionId);
      logEvent(log, {
        event: 'approval.audit.outcome_lost',
        decisionId: row.decisionId,
        connection: row.connectionId,
        result: row.result,
      });
    }
  }
  return lost;
}

export function failedOutcome(
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
