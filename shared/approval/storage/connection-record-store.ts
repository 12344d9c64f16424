import type { TableClient, TransactionAction } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import { MAX_BATCH } from '../../storage/table-batches';
import { isNotFound, storageError, storageStatus } from '../../storage/table-errors';
import { connectionKey, plsKey } from '../../storage/table-keys';
import type { ConnectionRecord, RecordPatch } from '../core/connection-record';
import {
  RECORD_RANGE,
  recordEntity,
  recordFromLegacySnapshot,
  recordFromRow,
  recordRowKey,
} from './connection-record-rows';

/**
 * The connection records of each PLS (rows in the `Audit` table, see connection-record-rows.ts).
 * A decision writes its record with its outcome row (AuditStore.writeMany); this store reads
 * records, and writes what a reconciliation's list observed (first seen, status changes, vanished
 * connections) and the verdicts it recorded.
 *
 * Migration: versions before the record kept the same facts in the `Connections` snapshot table.
 * The first read of a PLS in each instance also reads that PLS's snapshot rows; each one without a
 * record becomes a record (insert only, so a record written meanwhile wins), then the snapshot rows
 * are deleted. Once a partition is empty that read finds nothing, and an instance stops asking.
 */
export class ConnectionRecordStore {
  /** PLS keys whose snapshot rows this instance has already migrated. */
  private readonly migrated = new Set<string>();

  constructor(
    private readonly table: () => Promise<TableClient>,
    /** The `Connections` snapshot table of earlier versions, read only to migrate it. */
    private readonly legacySnapshots: () => Promise<TableClient>,
  ) {}

  /** Every record of one PLS, by connection key. */
  async listForPls(plsId: string): Promise<Map<string, ConnectionRecord>> {
    const pk = plsKey(plsId);
    try {
      const table = await this.table();
      const filter = odata`PartitionKey eq ${pk} and RowKey ge ${RECORD_RANGE.from} and RowKey lt ${RECORD_RANGE.to}`;
      const [rows, legacy] = await Promise.all([
        collect(table, filter),
        this.migrated.has(pk) ? Promise.resolve([]) : this.readLegacy(pk),
      ]);
      const out = new Map<string, ConnectionRecord>();
      for (const row of rows) {
        const record = recordFromRow(row);
        if (record !== undefined) out.set(connectionKey(record.connectionName), record);
      }
      if (legacy.length > 0) await this.migrate(table, pk, legacy, out);
      this.migrated.add(pk);
      return out;
    } catch (error) {
      throw storageError('reading connection records', error);
    }
  }

  /** One connection's record (its PLS's snapshot rows are migrated first if this instance has not yet). */
  async get(plsId: string, connectionName: string): Promise<ConnectionRecord | undefined> {
    if (!this.migrated.has(plsKey(plsId)))
      return (await this.listForPls(plsId)).get(connectionKey(connectionName));
    try {
      const table = await this.table();
      return recordFromRow(await table.getEntity(plsKey(plsId), recordRowKey(connectionName)));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw storageError('reading connection records', error);
    }
  }

  /**
   * The records carrying one link id, among the given PLS: one query per PLS partition (the record
   * range, filtered on the `linkId` column by the service), so the cost grows with the number of
   * managed PLS, not with their audit rows. Link ids are unique per connection in ARM; more than
   * one record is returned as found (the caller decides what that means).
   */
  async findByLinkId(plsIds: readonly string[], linkId: string): Promise<ConnectionRecord[]> {
    try {
      const table = await this.table();
      const found = await Promise.all(
        plsIds.map((plsId) =>
          collect(
            table,
            odata`PartitionKey eq ${plsKey(plsId)} and RowKey ge ${RECORD_RANGE.from} and RowKey lt ${RECORD_RANGE.to} and linkId eq ${linkId}`,
          ),
        ),
      );
      return found.flat().flatMap((row) => recordFromRow(row) ?? []);
    } catch (error) {
      throw storageError('reading connection records', error);
    }
  }

  /** What a list observed, and verdicts recorded: merges and deletes for one PLS, in transactions of 100. */
  async apply(plsId: string, patches: readonly RecordPatch[], deletes: readonly string[]): Promise<void> {
    const actions: TransactionAction[] = [
      ...patches.map((p): TransactionAction => ['upsert', recordEntity(plsId, p), 'Merge']),
      ...deletes.map(
        (name): TransactionAction => ['delete', { partitionKey: plsKey(plsId), rowKey: recordRowKey(name) }],
      ),
    ];
    if (actions.length === 0) return;
    try {
      const table = await this.table();
      for (let i = 0; i < actions.length; i += MAX_BATCH)
        await table.submitTransaction(actions.slice(i, i + MAX_BATCH));
    } catch (error) {
      throw storageError('writing connection records', error);
    }
  }

  private async readLegacy(pk: string): Promise<Record<string, unknown>[]> {
    const legacy = await this.legacySnapshots();
    return collect(legacy, odata`PartitionKey eq ${pk}`);
  }

  /** Snapshot rows become records where none exists yet; then the snapshot rows go. */
  private async migrate(
    table: TableClient,
    pk: string,
    legacyRows: readonly Record<string, unknown>[],
    into: Map<string, ConnectionRecord>,
  ): Promise<void> {
    const created: TransactionAction[] = [];
    for (const row of legacyRows) {
      const record = recordFromLegacySnapshot(row);
      if (record === undefined) continue;
      const key = connectionKey(record.connectionName);
      if (into.has(key)) continue;
      into.set(key, record);
      created.push(['create', recordEntity(record.plsId, record)]);
    }
    for (let i = 0; i < created.length; i += MAX_BATCH) {
      const chunk = created.slice(i, i + MAX_BATCH);
      try {
        await table.submitTransaction(chunk);
      } catch (error) {
        if (storageStatus(error) !== 409) throw error;
        // Another instance migrated some of these (or a decision wrote a record) first: theirs stand.
        for (const action of chunk) await createUnlessThere(table, action);
      }
    }
    const legacy = await this.legacySnapshots();
    const deletes = legacyRows.map(
      (row): TransactionAction => ['delete', { partitionKey: pk, rowKey: String(row.rowKey) }],
    );
    for (let i = 0; i < deletes.length; i += MAX_BATCH) {
      try {
        await legacy.submitTransaction(deletes.slice(i, i + MAX_BATCH));
      } catch (error) {
        // A row another instance deleted first fails the transaction with 404: delete one by one.
        if (!isNotFound(error)) throw error;
        for (const action of deletes.slice(i, i + MAX_BATCH)) await deleteUnlessGone(legacy, action);
      }
    }
  }
}

async function createUnlessThere(table: TableClient, action: TransactionAction): Promise<void> {
  try {
    await table.createEntity(action[1] as { partitionKey: string; rowKey: string });
  } catch (error) {
    if (storageStatus(error) !== 409) throw error;
  }
}

async function deleteUnlessGone(table: TableClient, action: TransactionAction): Promise<void> {
  const { partitionKey, rowKey } = action[1] as { partitionKey: string; rowKey: string };
  try {
    await table.deleteEntity(partitionKey, rowKey);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

async function collect(table: TableClient, filter: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const row of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } }))
    out.push(row);
  return out;
}
