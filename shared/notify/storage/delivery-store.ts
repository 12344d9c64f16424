import type { TableClient } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import { AppError } from '../../errors';
import { dayKey, invertedTicks } from '../../storage/table-keys';

/**
 * Delivery state per event and webhook (table NotifyDeliveries, PartitionKey = event id, RowKey =
 * webhook name) and the delivery log (NotifyDeliveryLog, PartitionKey = UTC day, RowKey =
 * `{inverted ms}|{event id}|{webhook}|{attempt}`). The state row is the claim: it is changed only
 * with the ETag it was read with, so of two instances holding duplicates of one delivery, one sends.
 */
/** `grouped`: a probe.down told by its incident's leader (../core/incidents.ts), not on its own. */
export type DeliveryStateName = 'sending' | 'retrying' | 'delivered' | 'poison' | 'grouped';

export interface DeliveryState {
  readonly state: DeliveryStateName;
  readonly attempts: number;
  readonly claimUntil: string | undefined;
  readonly lastStatus: number | undefined;
  readonly lastError: string | undefined;
  readonly etag: string;
}

export interface LogEntry {
  readonly eventId: string;
  readonly eventType: string;
  readonly target: string;
  readonly attempt: number;
  readonly result: 'delivered' | 'failed' | 'poison' | 'duplicate';
  readonly status: number | null;
  readonly errorCode: string | null;
  readonly durationMs: number;
  readonly at: Date;
}

export class DeliveryStore {
  constructor(
    private readonly states: () => Promise<TableClient>,
    private readonly deliveryLog: () => Promise<TableClient>,
  ) {}

  async get(eventId: string, target: string): Promise<DeliveryState | undefined> {
    const table = await this.states();
    try {
      const row = await table.getEntity<Record<string, unknown>>(eventId, target.toLowerCase());
      return {
        state: String(row.state) as DeliveryStateName,
        attempts: Number(row.attempts ?? 0),
        claimUntil: typeof row.claimUntil === 'string' ? row.claimUntil : undefined,
        lastStatus: typeof row.lastStatus === 'number' ? row.lastStatus : undefined,
        lastError: typeof row.lastError === 'string' ? row.lastError : undefined,
        etag: String(row.etag),
      };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw unavailable('reading a delivery state', error);
    }
  }

  /**
   * Writes the state if nobody changed it since `etag` was read (undefined: only if there is no
   * row yet). Returns the new ETag, or null when another instance got there first.
   */
  async put(
    eventId: string,
    target: string,
    etag: string | undefined,
    fields: Record<string, string | number | undefined>,
  ): Promise<string | null> {
    const table = await this.states();
    const entity = {
      partitionKey: eventId,
      rowKey: target.toLowerCase(),
      ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
    };
    try {
      const response =
        etag === undefined
          ? await table.createEntity(entity)
          : await table.updateEntity(entity, 'Replace', { etag });
      return response.etag ?? '';
    } catch (error) {
      const status = statusOf(error);
      if (status === 409 || status === 412) return null;
      throw unavailable('writing a delivery state', error);
    }
  }

  /** Best effort: a log row that cannot be written must not turn a delivered event into a retry. */
  async append(entry: LogEntry): Promise<void> {
    try {
      const table = await this.deliveryLog();
      await table.upsertEntity(
        {
          partitionKey: dayKey(entry.at),
          rowKey: `${invertedTicks(entry.at)}|${entry.eventId}|${entry.target.toLowerCase()}|${entry.attempt}`,
          eventId: entry.eventId,
          eventType: entry.eventType,
          target: entry.target,
          attempt: entry.attempt,
          result: entry.result,
          durationMs: entry.durationMs,
          at: entry.at.toISOString(),
          ...(entry.status !== null ? { status: entry.status } : {}),
          ...(entry.errorCode !== null ? { errorCode: entry.errorCode } : {}),
        },
        'Replace',
      );
    } catch {
      // the state row is the truth; the log is for people
    }
  }

  async listLog(day: Date): Promise<Record<string, unknown>[]> {
    const table = await this.deliveryLog();
    const out: Record<string, unknown>[] = [];
    for await (const row of table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${dayKey(day)}` },
    }))
      out.push(row);
    return out;
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

function unavailable(what: string, error: unknown): AppError {
  return new AppError('storage_unavailable', `Storage failed while ${what}.`, { cause: error });
}
