/**
 * Where new connections are recorded as they appear (table `Arrivals`): PartitionKey = UTC day,
 * RowKey = `{inverted ms}|{PLS key}|{connection key}`, newest first per day. The same table keeps,
 * per PLS, when it was last listed (PartitionKey `lastList`, RowKey = PLS key): the bound on how long
 * a connection found by reconciliation may have waited, and the sign that a PLS was listed before
 * at all (a first list finds what existed before the product, not new connections).
 */
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import { storageError, storageStatus } from '../../storage/table-errors';
import { connectionKey, dayKey, invertedTicks, plsKey } from '../../storage/table-keys';
import type { Arrival } from '../core/fast-path-stats';

const LAST_LIST = 'lastList';

type ArrivalRow = {
  readonly plsId: string;
  readonly connectionName: string;
  readonly foundAt: string;
  readonly foundBy: string;
  readonly eventType?: string;
  readonly eventTopic?: string;
  readonly delayMs?: number;
  readonly delayIsUpperBound: boolean;
};

export class ArrivalStore {
  constructor(private readonly table: () => Promise<TableClient>) {}

  async record(arrivals: readonly Arrival[]): Promise<void> {
    if (arrivals.length === 0) return;
    const byDay = new Map<string, TransactionAction[]>();
    for (const a of arrivals) {
      const pk = dayKey(a.foundAt);
      const row: ArrivalRow & { partitionKey: string; rowKey: string } = {
        partitionKey: pk,
        rowKey: `${invertedTicks(a.foundAt)}|${plsKey(a.plsId)}|${connectionKey(a.connectionName)}`,
        plsId: a.plsId,
        connectionName: a.connectionName,
        foundAt: a.foundAt.toISOString(),
        foundBy: a.foundBy,
        ...(a.eventType !== undefined ? { eventType: a.eventType } : {}),
        ...(a.eventTopic !== undefined ? { eventTopic: a.eventTopic } : {}),
        ...(a.delayMs !== null ? { delayMs: a.delayMs } : {}),
        delayIsUpperBound: a.delayIsUpperBound,
      };
      const list = byDay.get(pk) ?? [];
      list.push(['upsert', row, 'Replace']);
      byDay.set(pk, list);
    }
    try {
      const table = await this.table();
      for (const actions of byDay.values())
        for (let i = 0; i < actions.length; i += 100)
          await table.submitTransaction(actions.slice(i, i + 100));
    } catch (error) {
      throw storageError('Arrival record', error);
    }
  }

  async lastListedAt(plsId: string): Promise<Date | undefined> {
    try {
      const table = await this.table();
      const row = await table.getEntity<{ listedAt?: unknown }>(LAST_LIST, plsKey(plsId));
      return typeof row.listedAt === 'string' ? new Date(row.listedAt) : undefined;
    } catch (error) {
      if (storageStatus(error) === 404) return undefined;
      throw storageError('Last list read', error);
    }
  }

  async markListed(plsId: string, listedAt: Date): Promise<void> {
    try {
      const table = await this.table();
      await table.upsertEntity(
        { partitionKey: LAST_LIST, rowKey: plsKey(plsId), listedAt: listedAt.toISOString() },
        'Replace',
      );
    } catch (error) {
      throw storageError('Last list record', error);
    }
  }

  /** Every arrival recorded on or after `since`'s UTC day. */
  async listSince(since: Date): Promise<Arrival[]> {
    try {
      const table = await this.table();
      const out: Arrival[] = [];
      const rows = table.listEntities<ArrivalRow>({
        queryOptions: {
          filter: odata`PartitionKey ge ${dayKey(since)} and PartitionKey lt ${LAST_LIST}`,
        },
      });
      for await (const row of rows) {
        const foundAt = new Date(row.foundAt);
        if (foundAt < since) continue;
        out.push({
          plsId: row.plsId,
          connectionName: row.connectionName,
          foundAt,
          foundBy: row.foundBy === 'event' ? 'event' : 'reconciliation',
          eventType: row.eventType,
          eventTopic: row.eventTopic,
          delayMs: typeof row.delayMs === 'number' ? row.delayMs : null,
          delayIsUpperBound: row.delayIsUpperBound === true,
        });
      }
      return out;
    } catch (error) {
      throw storageError('Arrival read', error);
    }
  }
}
