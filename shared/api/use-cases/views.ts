/* Domain objects as the API shows them: every field present, `null` where unknown. */
import type { Actor } from '../../approval/core/actor';
import type { CapturedConnection } from '../../approval/core/captured-connection';
import type { AuditEntry } from '../../approval/storage/audit-store';
import type { ConnectionSnapshot } from '../../approval/storage/snapshot-store';
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
  };
}

/** The last decision that changed (or, in dry-run, would have changed) the connection. */
export function lastDecisionFromHistory(history: readonly AuditEntry[]): ConnectionItem['lastDecision'] {
  const last = history.find(
    (e) => e.kind === 'outcome' && (e.result === 'succeeded' || e.result === 'dry-run'),
  );
  return last === undefined
    ? null
    : { actor: actorView(last.actor), rule: last.rule ?? null, at: last.at.toISOString() };
}

/** The snapshot keeps the last decision's actor name, not its object id: enough for a list. */
export function lastDecisionFromSnapshot(
  snapshot: ConnectionSnapshot | undefined,
): ConnectionItem['lastDecision'] {
  if (snapshot?.lastDecisionAt === undefined || snapshot.lastDecisionAt === '') return null;
  const person = snapshot.lastDecisionActorKind === 'person';
  return {
    actor: {
      kind: person ? 'person' : 'policy',
      name: person ? (snapshot.lastDecisionActor ?? 'unknown') : 'policy',
      objectId: null,
      tenantId: null,
    },
    rule:
      snapshot.lastDecisionRule === undefined || snapshot.lastDecisionRule === ''
        ? null
        : snapshot.lastDecisionRule,
    at: snapshot.lastDecisionAt,
  };
}

export function connectionItemOf(
  pls: PlsRef,
  capture: CapturedConnection,
  extra: {
    readonly requestMessage: string | undefined;
    readonly lastDecision: ConnectionItem['lastDecision'];
    readonly policyVerdict: PolicyVerdictView | null;
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
  };
}
