/*
 * How a connection record is stored, and how rows are read back. Records live in the `Audit`
 * table, in the PLS's partition (PartitionKey = PLS key) next to the connection's audit rows, so a
 * decision's outcome row and its record go in one Entity Group Transaction (one table, one
 * partition key). RowKey = `~connection|{connection key}`: audit rows start with the connection key
 * (ARM names start with a letter or digit) and `~` sorts after both, so no audit range ever includes
 * a record and every record of a PLS is one RowKey range.
 *
 * Rows read back are outside input: each is parsed by a schema, and one this version cannot read
 * is skipped (the next list writes the connection afresh), never trusted.
 */
import { z } from 'zod';
import { connectionKey, plsKey } from '../../storage/table-keys';
import type { ConnectionRecord, RecordPatch } from '../core/connection-record';

export const RECORD_PREFIX = '~connection|';
/** RowKey range of every record in a PLS partition (`|` is 0x7C, `}` follows it). */
export const RECORD_RANGE = { from: RECORD_PREFIX, to: '~connection}' } as const;

export function recordRowKey(connectionName: string): string {
  return `${RECORD_PREFIX}${connectionKey(connectionName)}`;
}

/** The entity a patch writes (merged into the stored row): absent optionals of a decision are cleared with ''. */
export function recordEntity(
  plsId: string,
  patch: RecordPatch,
): Record<string, unknown> & {
  partitionKey: string;
  rowKey: string;
} {
  const { decision, verdict, firstApproval, ...plain } = patch;
  const columns: Record<string, unknown> = { ...plain };
  // `firstApproval: null`-like clearing: a patch that carries the key with undefined clears the columns.
  if ('firstApproval' in patch) {
    Object.assign(columns, {
      firstApprovalActor: firstApproval?.actor ?? '',
      firstApprovalActorObjectId: firstApproval?.actorObjectId ?? '',
      firstApprovalAt: firstApproval?.at ?? '',
      firstApprovalUntil: firstApproval?.until ?? '',
    });
  }
  if (decision !== undefined) {
    Object.assign(columns, {
      decisionActorKind: decision.actorKind,
      decisionActor: decision.actor,
      decisionActorObjectId: decision.actorObjectId ?? '',
      decisionActorTenantId: decision.actorTenantId ?? '',
      decisionAt: decision.at,
      decisionAction: decision.action,
      decisionRule: decision.rule ?? '',
      decisionReason: decision.reason ?? '',
      decisionId: decision.decisionId,
    });
  }
  if (verdict !== undefined) {
    Object.assign(columns, {
      verdictKey: verdict.key,
      verdictAction: verdict.action ?? '',
      verdictRule: verdict.rule ?? '',
      verdictReason: verdict.reason ?? '',
    });
  }
  const defined = Object.fromEntries(Object.entries(columns).filter(([, v]) => v !== undefined));
  return { ...defined, partitionKey: plsKey(plsId), rowKey: recordRowKey(patch.connectionName) };
}

/** Table Storage has no null: an empty string is how a merge clears a column. */
const optional = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const decisionColumns = z.object({
  decisionActorKind: z.enum(['policy', 'person']),
  decisionActor: z.string(),
  decisionActorObjectId: optional,
  decisionActorTenantId: optional,
  decisionAt: z.string().min(1),
  decisionAction: z.enum(['approve', 'reject']),
  decisionRule: optional,
  decisionReason: optional,
  decisionId: z.string(),
});

const verdictColumns = z.object({
  verdictKey: z.string().min(1),
  verdictAction: optional,
  verdictRule: optional,
  verdictReason: optional,
});

/** The connection's own columns, the same in a record row and in an old snapshot row. */
const connectionColumns = z.object({
  plsId: z.string().min(1),
  connectionId: z.string().min(1),
  connectionName: z.string().min(1),
  status: z.string().min(1),
  privateEndpointId: optional,
  privateEndpointLocation: optional,
  consumerSubscriptionId: optional,
  consumerTenantId: optional,
  requestMessage: optional,
  changedAt: z.string().min(1),
});

const recordRow = connectionColumns.extend({
  firstSeenAt: z.string().min(1),
  customer: optional,
  linkId: optional,
  approvalEndsAt: optional,
  expiryStage: optional,
  expiryStageFor: optional,
});

const firstApprovalColumns = z.object({
  firstApprovalActor: z.string(),
  firstApprovalActorObjectId: z.string().min(1),
  firstApprovalAt: z.string().min(1),
  firstApprovalUntil: optional,
});

/** A stored record row as the product's record; undefined when the row is not one this version can read. */
export function recordFromRow(row: Record<string, unknown>): ConnectionRecord | undefined {
  const parsed = recordRow.safeParse(row);
  if (!parsed.success) return undefined;
  const decision = decisionColumns.safeParse(row);
  const verdict = verdictColumns.safeParse(row);
  const first = firstApprovalColumns.safeParse(row);
  return {
    ...parsed.data,
    ...(first.success
      ? {
          firstApproval: {
            actor: first.data.firstApprovalActor,
            actorObjectId: first.data.firstApprovalActorObjectId,
            at: first.data.firstApprovalAt,
            until: first.data.firstApprovalUntil,
          },
        }
      : {}),
    decision: decision.success
      ? {
          actorKind: decision.data.decisionActorKind,
          actor: decision.data.decisionActor,
          actorObjectId: decision.data.decisionActorObjectId,
          actorTenantId: decision.data.decisionActorTenantId,
          at: decision.data.decisionAt,
          action: decision.data.decisionAction,
          rule: decision.data.decisionRule,
          reason: decision.data.decisionReason,
          decisionId: decision.data.decisionId,
        }
      : undefined,
    verdict: verdict.success
      ? {
          key: verdict.data.verdictKey,
          action: verdict.data.verdictAction,
          rule: verdict.data.verdictRule,
          reason: verdict.data.verdictReason,
        }
      : undefined,
  };
}

/**
 * A row of the `Connections` snapshot table of versions before the record (PartitionKey = PLS key,
 * RowKey = connection key). It kept the last decision's actor kind, name, time and rule, no
 * object id, action or decision id; a decision by a person before any list left no firstSeenAt.
 */
const legacySnapshotRow = connectionColumns.extend({
  firstSeenAt: optional,
  lastDecisionActorKind: optional,
  lastDecisionActor: optional,
  lastDecisionAt: optional,
  lastDecisionRule: optional,
  verdictKey: optional,
  verdictAction: optional,
  verdictRule: optional,
  verdictReason: optional,
});

/** An old snapshot row as a record (the migration); undefined when it is not a readable snapshot. */
export function recordFromLegacySnapshot(row: Record<string, unknown>): ConnectionRecord | undefined {
  const parsed = legacySnapshotRow.safeParse(row);
  if (!parsed.success) return undefined;
  const s = parsed.data;
  const decidedBy = s.lastDecisionActorKind;
  const decided = (decidedBy === 'person' || decidedBy === 'policy') && s.lastDecisionAt !== undefined;
  return {
    plsId: s.plsId,
    connectionId: s.connectionId,
    connectionName: s.connectionName,
    status: s.status,
    privateEndpointId: s.privateEndpointId,
    privateEndpointLocation: s.privateEndpointLocation,
    consumerSubscriptionId: s.consumerSubscriptionId,
    consumerTenantId: s.consumerTenantId,
    requestMessage: s.requestMessage,
    firstSeenAt: s.firstSeenAt ?? s.changedAt,
    changedAt: s.changedAt,
    decision: decided
      ? {
          actorKind: decidedBy,
          actor: decidedBy === 'person' ? (s.lastDecisionActor ?? 'unknown') : 'policy',
          actorObjectId: undefined,
          actorTenantId: undefined,
          at: s.lastDecisionAt ?? s.changedAt,
          // The snapshot kept no action: the status it recorded with the decision is what it set.
          action: s.status === 'Rejected' ? 'reject' : 'approve',
          rule: s.lastDecisionRule,
          reason: undefined,
          decisionId: '',
        }
      : undefined,
    verdict:
      s.verdictKey === undefined
        ? undefined
        : { key: s.verdictKey, action: s.verdictAction, rule: s.verdictRule, reason: s.verdictReason },
  };
}
