import type { TableClient, TableEntityResult, TransactionAction } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import type { EntryStaging } from '../../storage/outbox-staging';
import { chunksByPartition, MAX_BATCH } from '../../storage/table-batches';
import { storageError, storageStatus } from '../../storage/table-errors';
import {
  connectionKey,
  dayKey,
  invertedTicks,
  legacyInvertedMillis,
  plsKey,
  prefixRange,
} from '../../storage/table-keys';
import type { Actor } from '../core/actor';
import {
  type AuditEntry,
  type AuditedConnection,
  type AuditKind,
  type AuditResult,
  entryId,
} from '../core/audit-entry';
import type { CapturedConnection } from '../core/captured-connection';
import type { RecordPatch } from '../core/connection-record';
import { recordEntity } from './connection-record-rows';

export type { AuditEntry, AuditKind, AuditResult } from '../core/audit-entry';
export { entryId };

/**
 * The audit trail: one row per intent (written before any ARM write), per outcome, and per
 * verdict that writes nothing (manual, dry-run skipped). Each row is written to two tables:
 *
 * - `Audit` (by connection): PartitionKey = PLS key, RowKey = `{connection}|{inverted ms}|{decisionId}|{kind}`,
 *   so one connection's history is a RowKey range, newest first, and a PLS's rows share a partition.
 * - `AuditByTime`: PartitionKey = UTC day `yyyymmdd`, RowKey = `{inverted ms}|{decisionId}|{kind}`,
 *   so "what happened between A and B" reads a few day partitions, newest first.
 *
 * An intent counts as written only when both rows are; a failure means no ARM write follows.
 * A decision's outcome row may carry the connection's record (connection-record-rows.ts): it is in
 * the `Audit` table and the PLS's partition too, so the two go in one transaction, together or not at all.
 */

/** The connection facts every audit row carries, as captured before the decision (request message included). */
export function auditedConnection(
  capture: CapturedConnection,
): AuditedConnection & Pick<AuditEntry, 'statusBefore'> {
  return {
    plsId: capture.connection.plsId,
    connectionId: capture.connection.id,
    connectionName: capture.connection.name,
    privateEndpointId: capture.connection.privateEndpointId,
    consumerSubscriptionId: capture.consumerSubscriptionId,
    consumerTenantId: capture.consumerTenantId,
    requestMessage: capture.requestMessage,
    statusBefore: capture.status,
  };
}

/** Where audit entries' notifications are staged, in the by-time rows' transactions (the notification feature implements it). */
export interface AuditOutbox {
  stageAudit(entries: readonly AuditEntry[]): EntryStaging | null;
}

export class AuditStore {
  constructor(
    private readonly byConnection: () => Promise<TableClient>,
    private readonly byTime: () => Promise<TableClient>,
    /** Notifications are staged with the by-time rows; null when NOTIFY_WEBHOOKS is unset. */
    private readonly outbox: AuditOutbox | null = null,
  ) {}

  /** Writes both rows; throws `storage_unavailable` unless both are stored. */
  async write(entry: AuditEntry): Promise<void> {
    const failed = await this.writeMany([entry]);
    if (failed.size > 0) throw storageError(`writing the audit ${entry.kind} row`, undefined);
  }

  /**
   * Writes many entries with as few round trips as the keys allow: one transaction per 100 rows of
   * one partition (a PLS in `Audit`, a day in `AuditByTime`). Returns the entries (by `entryId`)
   * that are NOT stored in both tables; a transaction that fails is retried row by row, so one bad
   * row does not sink its 99 neighbours, and a replay of a stored row (409) counts as stored.
   * `records` (by `entryId`) are connection records written in the same transaction as their
   * entry's `Audit` row: an entry whose record is not stored is not stored either.
   */
  async writeMany(
    entries: readonly AuditEntry[],
    records: ReadonlyMap<string, RecordPatch> = new Map(),
  ): Promise<Set<string>> {
    const failed = new Set<string>();
    if (entries.length === 0) return failed;
    let byConnection: TableClient;
    let byTime: TableClient;
    try {
      [byConnection, byTime] = await Promise.all([this.byConnection(), this.byTime()]);
    } catch {
      for (const e of entries) failed.add(entryId(e));
      return failed;
    }
    const rows = entries.map((entry) => {
      const props = toProperties(entry);
      const inv = invertedTicks(entry.at);
      const record = records.get(entryId(entry));
      return {
        id: entryId(entry),
        record: record === undefined ? undefined : recordEntity(entry.plsId, record),
        connection: {
          partitionKey: plsKey(entry.plsId),
          rowKey: `${connectionKey(entry.connectionName)}|${inv}|${entry.decisionId}|${entry.kind}`,
          ...props,
        },
        time: {
          partitionKey: dayKey(entry.at),
          rowKey: `${inv}|${entry.decisionId}|${entry.kind}`,
          ...props,
        },
      };
    });
    const notify = this.outbox?.stageAudit(entries) ?? null;
    await Promise.all([
      insertAll(
        byConnection,
        rows.map((r) => ({ id: r.id, entity: r.connection, record: r.record })),
        failed,
      ),
      insertAll(
        byTime,
        [...rows.map((r) => ({ id: r.id, entity: r.time })), ...(notify?.rows ?? [])],
        failed,
      ),
    ]);
    await notify?.publish(byTime, failed);
    return failed;
  }

  /** One connection's history, newest first. */
  async listByConnection(plsId: string, connectionName: string, limit = 100): Promise<AuditEntry[]> {
    const table = await this.byConnection();
    const range = prefixRange(connectionKey(connectionName));
    const filter = odata`PartitionKey eq ${plsKey(plsId)} and RowKey ge ${range.from} and RowKey lt ${range.to}`;
    return collect(table, filter, limit);
  }

  /** Rows between two times (inclusive), newest first, reading one day partition at a time. */
  async listByTime(from: Date, to: Date, limit = 100): Promise<AuditEntry[]> {
    const table = await this.byTime();
    const out: AuditEntry[] = [];
    const day = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), to.getUTCDate()));
    const firstDay = dayKey(from);
    while (out.length < limit && dayKey(day) >= firstDay) {
      // Tick keys (written now) and legacy millisecond keys (before 0.2) are disjoint ranges, ticks first.
      const filter = odata`PartitionKey eq ${dayKey(day)} and ((RowKey ge ${invertedTicks(to)} and RowKey le ${`${invertedTicks(from)}}`}) or (RowKey ge ${legacyInvertedMillis(to)} and RowKey le ${`${legacyInvertedMillis(from)}}`}))`;
      out.push(...(await collect(table, filter, limit - out.length)));
      day.setUTCDate(day.getUTCDate() - 1);
    }
    return out;
  }
}

interface PendingRow {
  readonly id: string;
  readonly entity: { partitionKey: string; rowKey: string };
  /** The connection record merged in the same transaction (same table and partition). */
  readonly record?: { partitionKey: string; rowKey: string } | undefined;
}

const actionsOf = (r: PendingRow): TransactionAction[] =>
  r.record === undefined
    ? [['create', r.entity]]
    : [
        ['create', r.entity],
        ['upsert', r.record, 'Merge'],
      ];

async function insertAll(
  table: TableClient,
  rows: readonly PendingRow[],
  failed: Set<string>,
): Promise<void> {
  await Promise.all(
    transactionsOf(rows).map(async (chunk) => {
      if (chunk.length > 1) {
        try {
          await table.submitTransaction(chunk.flatMap(actionsOf));
          return;
        } catch {
          // Fall through to row-by-row: finds out which rows are really missing.
        }
      }
      await Promise.all(
        chunk.map(async (r) => {
          try {
            await insertOnce(table, r);
          } catch {
            failed.add(r.id);
          }
        }),
      );
    }),
  );
}

/**
 * Rows cut into transactions: one partition each, at most 100 actions, a row and its record never
 * apart, and one record at most once per transaction (Table Storage refuses two actions on one entity).
 */
function transactionsOf(rows: readonly PendingRow[]): PendingRow[][] {
  const out: PendingRow[][] = [];
  for (const group of chunksByPartition(rows, (r) => r.entity.partitionKey)) {
    let chunk: PendingRow[] = [];
    let actions = 0;
    const records = new Set<string>();
    for (const row of group) {
      const size = row.record === undefined ? 1 : 2;
      if (actions + size > MAX_BATCH || (row.record !== undefined && records.has(row.record.rowKey))) {
        out.push(chunk);
        chunk = [];
        actions = 0;
        records.clear();
      }
      chunk.push(row);
      actions += size;
      if (row.record !== undefined) records.add(row.record.rowKey);
    }
    if (chunk.length > 0) out.push(chunk);
  }
  return out;
}

/**
 * An SDK retry of an insert whose response was lost answers 409: the row is there, which is what
 * we wanted. With a record, the row and the record commit together, so a row that is there means
 * its record was stored with it.
 */
async function insertOnce(table: TableClient, row: PendingRow): Promise<void> {
  try {
    if (row.record === undefined) await table.createEntity(row.entity);
    else await table.submitTransaction(actionsOf(row));
  } catch (error) {
    if (storageStatus(error) !== 409) throw error;
  }
}

async function collect(table: TableClient, filter: string, limit: number): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for await (const page of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } }).byPage({
    maxPageSize: Math.min(limit, 1000),
  })) {
    for (const row of page) {
      out.push(fromRow(row));
      if (out.length >= limit) return out;
    }
  }
  return out;
}

function toProperties(e: AuditEntry): Record<string, string> {
  const props: Record<string, string | undefined> = {
    kind: e.kind,
    decisionId: e.decisionId,
    at: e.at.toISOString(),
    plsId: e.plsId,
    connectionId: e.connectionId,
    connectionName: e.connectionName,
    privateEndpointId: e.privateEndpointId,
    consumerSubscriptionId: e.consumerSubscriptionId,
    consumerTenantId: e.consumerTenantId,
    requestMessage: e.requestMessage,
    statusBefore: e.statusBefore,
    action: e.action,
    rule: e.rule,
    policyVersion: e.policyVersion,
    actorKind: e.actor.kind,
    actorName: e.actor.kind === 'person' ? e.actor.name : 'policy',
    actorObjectId: e.actor.kind === 'person' ? e.actor.objectId : undefined,
    actorTenantId: e.actor.kind === 'person' ? e.actor.tenantId : undefined,
    description: e.description,
    reason: e.reason,
    mode: e.mode,
    trigger: e.trigger,
    correlationId: e.correlationId,
    result: e.result,
    resultDetail: e.resultDetail,
    errorCode: e.errorCode,
    statusAfter: e.statusAfter,
    customer: e.customer,
    approvalEndsAt: e.approvalEndsAt,
  };
  return Object.fromEntries(
    Object.entries(props).filter((kv): kv is [string, string] => kv[1] !== undefined),
  );
}

function fromRow(row: TableEntityResult<Record<string, unknown>>): AuditEntry {
  const s = (name: string): string | undefined => {
    const v = row[name];
    return typeof v === 'string' ? v : undefined;
  };
  const actor: Actor =
    s('actorKind') === 'person'
      ? {
          kind: 'person',
          name: s('actorName') ?? '',
          objectId: s('actorObjectId') ?? '',
          tenantId: s('actorTenantId'),
        }
      : { kind: 'policy' };
  return {
    kind: (s('kind') ?? 'outcome') as AuditKind,
    decisionId: s('decisionId') ?? '',
    at: new Date(s('at') ?? 0),
    plsId: s('plsId') ?? '',
    connectionId: s('connectionId') ?? '',
    connectionName: s('connectionName') ?? '',
    privateEndpointId: s('privateEndpointId'),
    consumerSubscriptionId: s('consumerSubscriptionId'),
    consumerTenantId: s('consumerTenantId'),
    requestMessage: s('requestMessage'),
    statusBefore: s('statusBefore') ?? '',
    action: (s('action') ?? 'manual') as AuditEntry['action'],
    rule: s('rule'),
    policyVersion: s('policyVersion'),
    actor,
    description: s('description'),
    reason: s('reason') ?? '',
    mode: (s('mode') ?? 'enforce') as AuditEntry['mode'],
    trigger: (s('trigger') ?? 'timer') as AuditEntry['trigger'],
    correlationId: s('correlationId') ?? '',
    ...(s('result') !== undefined ? { result: s('result') as AuditResult } : {}),
    ...(s('resultDetail') !== undefined ? { resultDetail: s('resultDetail') } : {}),
    ...(s('errorCode') !== undefined ? { errorCode: s('errorCode') } : {}),
    ...(s('statusAfter') !== undefined ? { statusAfter: s('statusAfter') } : {}),
    ...(s('customer') !== undefined ? { customer: s('customer') } : {}),
    ...(s('approvalEndsAt') !== undefined ? { approvalEndsAt: s('approvalEndsAt') } : {}),
  };
}
