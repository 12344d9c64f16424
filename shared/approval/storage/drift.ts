import type { TableClient, TransactionAction } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import type { PrivateEndpointConnection } from '../../arm/arm-gateway';
import type { PartitionStaging } from '../../storage/outbox-staging';
import { storageError } from '../../storage/table-errors';
import { connectionKey, dayKey, invertedTicks, plsKey } from '../../storage/table-keys';
import type { ConnectionRecord } from '../core/connection-record';
import type { DriftKind, DriftRecord } from '../core/drift-record';

/**
 * Drift: what changed on a PLS that the product did not do. Appeared (a consumer created a
 * connection), vanished (deleted outside the product), or changed state (someone used the portal,
 * or ARM's own auto-approval). Our own decisions update the connection record as they land (with
 * their outcome rows), so they are not drift. A record written after this run's list started is
 * skipped: it reflects a decision by a concurrent run that this list may predate.
 */
export type { DriftKind, DriftRecord } from '../core/drift-record';

export interface DriftComparison {
  readonly drift: readonly DriftRecord[];
  /** Connections whose record must be (re)written (status changed, new, or the link id to learn). */
  readonly changed: readonly PrivateEndpointConnection[];
  readonly vanished: readonly ConnectionRecord[];
}

export function compareWithRecords(
  plsId: string,
  listed: readonly PrivateEndpointConnection[],
  records: ReadonlyMap<string, ConnectionRecord>,
  listedAt: Date,
): DriftComparison {
  const drift: DriftRecord[] = [];
  const changed: PrivateEndpointConnection[] = [];
  const seen = new Set<string>();
  for (const connection of listed) {
    const key = connectionKey(connection.name);
    seen.add(key);
    const before = records.get(key);
    if (before === undefined) {
      changed.push(connection);
      drift.push(
        record('appeared', plsId, connection.name, connection.id, undefined, connection.status, listedAt),
      );
    } else if (before.status !== connection.status && Date.parse(before.changedAt) < listedAt.getTime()) {
      changed.push(connection);
      drift.push(
        record('changed', plsId, connection.name, connection.id, before.status, connection.status, listedAt),
      );
    } else if (
      before.status === connection.status &&
      connection.linkIdentifier !== undefined &&
      before.linkId !== connection.linkIdentifier
    ) {
      // Not drift: the record learns the link id ARM shows (records written before it was kept).
      changed.push(connection);
    }
  }
  const vanished = [...records.entries()]
    .filter(([key, s]) => !seen.has(key) && Date.parse(s.changedAt) < listedAt.getTime())
    .map(([, s]) => s);
  for (const s of vanished) {
    drift.push(record('vanished', plsId, s.connectionName, s.connectionId, s.status, undefined, listedAt));
  }
  return { drift, changed, vanished };
}

function record(
  kind: DriftKind,
  plsId: string,
  connectionName: string,
  connectionId: string,
  statusBefore: string | undefined,
  statusAfter: string | undefined,
  at: Date,
): DriftRecord {
  return { kind, plsId, connectionName, connectionId, statusBefore, statusAfter, at };
}

/** Where drift records' notifications are staged, in each day's transaction (the notification feature implements it). */
export interface DriftOutbox {
  stageDrift(records: readonly DriftRecord[]): PartitionStaging | null;
}

/** Table `Drift`: PartitionKey = UTC day, RowKey = `{inverted ticks}|{PLS key}|{connection}|{kind}`; newest first per day. */
export class DriftStore {
  constructor(
    private readonly table: () => Promise<TableClient>,
    /** Notifications are staged in each day's transaction; null when NOTIFY_WEBHOOKS is unset. */
    private readonly outbox: DriftOutbox | null = null,
  ) {}

  async write(records: readonly DriftRecord[]): Promise<void> {
    if (records.length === 0) return;
    const byDay = new Map<string, TransactionAction[]>();
    for (const r of records) {
      const pk = dayKey(r.at);
      const entity = {
        partitionKey: pk,
        rowKey: `${invertedTicks(r.at)}|${plsKey(r.plsId)}|${connectionKey(r.connectionName)}|${r.kind}`,
        kind: r.kind,
        plsId: r.plsId,
        connectionName: r.connectionName,
        connectionId: r.connectionId,
        at: r.at.toISOString(),
        ...(r.statusBefore !== undefined ? { statusBefore: r.statusBefore } : {}),
        ...(r.statusAfter !== undefined ? { statusAfter: r.statusAfter } : {}),
      };
      const list = byDay.get(pk) ?? [];
      list.push(['upsert', entity, 'Replace']);
      byDay.set(pk, list);
    }
    const notify = this.outbox?.stageDrift(records) ?? null;
    let table: TableClient;
    try {
      table = await this.table();
      for (const [pk, own] of byDay) {
        const actions = [...own, ...(notify?.actionsFor(pk) ?? [])];
        for (let i = 0; i < actions.length; i += 100)
          await table.submitTransaction(actions.slice(i, i + 100));
      }
    } catch (error) {
      throw storageError('writing a drift record', error);
    }
    await notify?.publish(table);
  }

  async listDay(day: Date): Promise<Record<string, unknown>[]> {
    const table = await this.table();
    const out: Record<string, unknown>[] = [];
    for await (const row of table.listEntities<Record<string, unknown>>({
      // Outbox rows (`~notify|...`) share the partition; they are not drift.
      queryOptions: { filter: odata`PartitionKey eq ${dayKey(day)} and RowKey lt ${'~'}` },
    }))
      out.push(row);
    return out;
  }
}
