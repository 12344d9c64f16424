/*
 * The transactional outbox as a store sees it. A store that records something worth telling (an
 * audit entry, a drift record, a probe state change) asks its outbox port for rows to put in its
 * own transaction, writes them with its rows, then lets the port publish what was stored. The
 * notification feature implements the ports; a store never imports it, and gets null for a port
 * when notifications are off, so its write path is then unchanged.
 */
import type { TableClient, TransactionAction } from '@azure/data-tables';

/** Outbox rows reported under the id of the entry they belong to: a failed entry's rows are not published. */
export interface EntryStaging {
  readonly rows: readonly {
    readonly id: string;
    readonly entity: { partitionKey: string; rowKey: string };
  }[];
  /** Enqueues the events of the entries that were stored; never throws. */
  publish(table: TableClient, failed: ReadonlySet<string>): Promise<void>;
}

/** Outbox actions for each partition of the store's batch. */
export interface PartitionStaging {
  actionsFor(partitionKey: string): TransactionAction[];
  /** Enqueues the staged events once the transactions are stored; never throws. */
  publish(table: TableClient): Promise<void>;
}
