/* Domain objects as the API shows them: every field present, `null` where unknown. */
import type { Actor } from '../../approval/core/actor';
import type { CapturedConnection } from '../../approval/core/captured-connection';
import type { ConnectionRecord, FirstApproval } from '../../approval/core/connection-record';
import { liveFirstApproval } from '../../approval/core/expiry';
import type { AuditEntry } from '../../approval/storage/audit-store';
import { plsNameOf } from '../../arm/resource-id';
import type {
  ActorView,
  ConnectionItem,
  DecisionRecord,
  PlsRef,
  PolicyVerdictView,
} from '../core/api-schemas';

export function actorView(actor: Actor): ActorView {
  return actor.kind === 'policy'
    ? { kind: 'policy', name: 'policy', objectId: null, tenantId: null }
    : { kind: 'person', name: actor.name, objectId: actor.objectId, tenantId: actor.tenantId ?? null };
}

export function decisionRecordOf(entry: AuditEntry): DecisionRecord {
  return {
    kind: entry.kind,
    decisionId: entry.decisionId,
    at: entry.at.toISOString(),
    pls: { id: entry.plsId, name: plsNameOf(entry.plsId) },
    connectionId: entry.connectionId,
    connectionName: entry.connectionName,
    privateEndpointId: entry.privateEndpointId ?? null,
    consumerSubscriptionId: entry.consumerSubscriptionId ?? null,
    consumerTenantId: entry.consumerTenantId ?? null,
    requestMessage: entry.requestMessage ?? null,
    statusBefore: entry.statusBefore,
    action: entry.action,
    rule: entry.rule ?? null,
    policyVersion: entry.policyVersion ?? null,
    actor: actorView(entry.actor),
    description: entry.description ?? null,
    reason: entry.reason,
    mode: entry.mode,
    trigger: entry.trigger,
    correlationId: entry.correlationId,
    result: entry.result ?? null,
    resultDetail: entry.resultDetail ?? null,
    errorCode: entry.errorCode ?? null,
    statusAfter: entry.statusAfter ?? null,
    ...(entry.approvalEndsAt !== undefined ? { approvalEndsAt: entry.approvalEndsAt } : {}),
  };
}

/**
 * A dry-run's would-be decision, from the audit: the connection record holds only decisions that
 * changed the connection, so with APPROVAL_MODE=dry-run this is the last decision there is to show.
 */
export function lastDryRunFromHistory(history: readonly AuditEntry[]): ConnectionItem['lastDecision'] {
  const last = history.find((e) => e.kind === 'outcome' && e.result === 'dry-run');
  return last === undefined
    ? null
    : { actor: actorView(last.actor), rule: last.rule ?? null, at: last.at.toISOString() };
}

/** Who decided the connection, when and by which rule, as its record keeps it. */
export function lastDecisionFromRecord(record: ConnectionRecord | undefined): ConnectionItem['lastDecision'] {
  const decision = record?.decision;
  if (decision === undefined) return null;
  return {
    actor:
      decision.actorKind === 'person'
        ? {
            kind: 'person',
            name: decision.actor,
            objectId: decision.actorObjectId ?? null,
            tenantId: decision.actorTenantId ?? null,
          }
        : { kind: 'policy', name: 'policy', objectId: null, tenantId: null },
    rule: decision.rule ?? null,
    at: decision.at,
  };
}

/**
 * The approval's term and the two-person rule as the API shows them: the end (when the approval has
 * one) and, on a Pending connection needing two approvals, how many are given ("1 of 2").
 */
export function termsView(
  record: ConnectionRecord | undefined,
  status: string,
  required: 1 | 2,
  now: Date,
  twoPersonMs: number,
): Pick<ConnectionItem, 'approvalEndsAt' | 'approvals'> {
  const ends =
    status === 'Approved' && record?.approvalEndsAt !== undefined
      ? { approvalEndsAt: record.approvalEndsAt }
      : {};
  const first = status === 'Pending' ? liveFirstApproval(record, now, { twoPersonMs }) : undefined;
  if (status !== 'Pending' || (required === 1 && first === undefined)) return ends;
  return { ...ends, approvals: approvalsView(first === undefined ? 0 : 1, first, twoPersonMs) };
}

export function approvalsView(
  given: 0 | 1 | 2,
  first: FirstApproval | undefined,
  twoPersonMs: number,
): NonNullable<ConnectionItem['approvals']> {
  return {
    required: 2,
    given,
    text: `${given} of 2`,
    firstBy: first?.actor ?? null,
    firstAt: first?.at ?? null,
    lapsesAt: first === undefined ? null : new Date(Date.parse(first.at) + twoPersonMs).toISOString(),
  };
}

export function connectionItemOf(
  pls: PlsRef,
  capture: CapturedConnection,
  extra: {
    readonly requestMessage: string | undefined;
    readonly lastDecision: ConnectionItem['lastDecision'];
    readonly policyVerdict: PolicyVerdictView | null;
    readonly terms?: Pick<ConnectionItem, 'approvalEndsAt' | 'approvals'>;
  },
): ConnectionItem {
  const c = capture.connection;
  return {
    pls,
    name: c.name,
    id: c.id,
    status: c.status,
    privateEndpointId: c.privateEndpointId ?? null,
    privateEndpointLocation: c.privateEndpointLocation ?? null,
    consumerSubscriptionId: capture.consumerSubscriptionId ?? null,
    consumerTenantId: capture.consumerTenantId ?? null,
    requestMessage: extra.requestMessage ?? null,
    description: c.description ?? null,
    etag: c.etag ?? null,
    lastDecision: extra.lastDecision,
    policyVerdict: extra.policyVerdict,
    ...extra.terms,
  };
}
