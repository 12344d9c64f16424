import type { TableClient, TransactionAction } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import { isNotFound, storageError } from '../../storage/table-errors';
import { connectionKey, plsKey } from '../../storage/table-keys';

/**
 * The last state the product saw of each connection (table `Connections`, PartitionKey = PLS key,
 * RowKey = connection key). It is what drift is measured against, where the request message stays
 * after ARM overwrites it, and where the last decision and the current verdict are kept for the API.
 * Rows are written only when something changed, in transactions of up to 100 per PLS.
 */
export interface ConnectionSnapshot {
  readonly plsId: string;
  readonly connectionId: string;
  readonly connectionName: string;
  readonly status: string;
  readonly privateEndpointId: string | undefined;
  readonly privateEndpointLocation: string | undefined;
  readonly consumerSubscriptionId: string | undefined;
  readonly consumerTenantId: string | undefined;
  readonly requestMessage: string | undefined;
  readonly firstSeenAt: string;
  /** When status (or anything we track) last changed, as we observed or caused it. */
  readonly changedAt: string;
  readonly lastDecisionActorKind?: string | undefined;
  readonly lastDecisionActor?: string | undefined;
  readonly lastDecisionAt?: string | undefined;
  readonly lastDecisionRule?: string | undefined;
  /** `{status}|{policyVersion}|{action}` of the last verdict recorded without an ARM write, to audit it once. */
  readonly verdictKey?: string | undefined;
  readonly verdictAction?: string | undefined;
  readonly verdictRule?: string | undefined;
  readonly verdictReason?: string | undefined;
}

const BATCH = 100;

export class SnapshotStore {
  constructor(private readonly table: () => Promise<TableClient>) {}

  async listForPls(plsId: string): Promise<Map<string, ConnectionSnapshot>> {
    try {
      const table = await this.table();
      const out = new Map<string, ConnectionSnapshot>();
      const rows = table.listEntities<ConnectionSnapshot>({
        queryOptions: { filter: odata`PartitionKey eq ${plsKey(plsId)}` },
      });
      for await (const row of rows) out.set(row.rowKey ?? connectionKey(row.connectionName), row);
      return out;
    } catch (error) {
      throw storageError('reading connection snapshots', error);
    }
  }

  async get(plsId: string, connectionName: string): Promise<ConnectionSnapshot | undefined> {
    const table = await this.table();
    try {
      return await table.getEntity<ConnectionSnapshot>(plsKey(plsId), connectionKey(connectionName));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw storageError('reading connection snapshots', error);
    }
  }

  /** Upserts (merge) and deletes for one PLS, batched in transactions. */
  async apply(
    plsId: string,
    upserts: readonly Partial<ConnectionSnapshot>[],
    deletes: readonly string[],
  ): Promise<void> {
    const pk = plsKey(plsId);
    const actions: TransactionAction[] = [
      ...upserts.map(
        (u): TransactionAction => [
          'upsert',
          { ...withoutUndefined(u), partitionKey: pk, rowKey: connectionKey(u.connectionName ?? '') },
          'Merge',
        ],
      ),
      ...deletes.map(
        (name): TransactionAction => ['delete', { partitionKey: pk, rowKey: connectionKey(name) }],
      ),
    ];
    if (actions.length === 0) return;
    try {
      const table = await this.table();
      for (let i = 0; i < actions.length; i += BATCH)
        await table.submitTransaction(actions.slice(i, i + BATCH));
    } catch (error) {
      throw storageError('writing connection snapshots', error);
    }
  }

  /** Merges a change into one connection's snapshot (after a decision). */
  async merge(plsId: string, connectionName: string, patch: Partial<ConnectionSnapshot>): Promise<void> {
    try {
      const table = await this.table();
      await table.upsertEntity(
        { ...withoutUndefined(patch), partitionKey: plsKey(plsId), rowKey: connectionKey(connectionName) },
        'Merge',
      );
    } catch (error) {
      throw storageError('writing connection snapshots', error);
    }
  }
}

function withoutUndefined<T extends object>(value: T): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).filter(
      ([k, v]) =>
        v !== undefined && k !== 'etag' && k !== 'timestamp' && k !== 'partitionKey' && k !== 'rowKey',
    ),
  );
}
