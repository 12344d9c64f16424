/*
 * The last Resource Graph discovery (table `ReconcileRuns`, PartitionKey `discovery`, RowKey
 * `latest`), so health on any instance says how many services were found and when, or why not.
 * A partition of its own: the reconciliation outcomes read only PartitionKey `latest`.
 */
import type { TableClient } from '@azure/data-tables';
import { z } from 'zod';
import { asDate } from '../../storage/entity-values';
import { storageError } from '../../storage/table-errors';

export interface DiscoveryStatus {
  /** When the last discovery was tried. */
  readonly at: Date;
  /** Services the last discovery that worked added to PLS_RESOURCE_IDS (found and not listed there). */
  readonly discovered: number;
  /** When discovery last worked; undefined when it never did. */
  readonly lastOkAt: Date | undefined;
  /** The AppError code of the last attempt when it failed (the last known list was kept). */
  readonly errorCode: string | undefined;
}

const PARTITION = 'discovery';
const ROW = 'latest';

const rowSchema = z.object({
  at: z.preprocess((v) => asDate(v) ?? undefined, z.date()),
  discovered: z.number().int().nonnegative().catch(0),
  lastOkAt: z.preprocess((v) => asDate(v) ?? undefined, z.date().optional()),
  errorCode: z.string().max(100).optional(),
});

export class DiscoveryStatusStore {
  constructor(private readonly table: () => Promise<TableClient>) {}

  async put(status: DiscoveryStatus): Promise<void> {
    try {
      await (await this.table()).upsertEntity(
        {
          partitionKey: PARTITION,
          rowKey: ROW,
          at: status.at,
          discovered: status.discovered,
          ...(status.lastOkAt === undefined ? {} : { lastOkAt: status.lastOkAt }),
          ...(status.errorCode === undefined ? {} : { errorCode: status.errorCode }),
        },
        'Replace',
      );
    } catch (error) {
      throw storageError('recording the service discovery', error);
    }
  }

  async get(): Promise<DiscoveryStatus | undefined> {
    let entity: Record<string, unknown>;
    try {
      entity = await (await this.table()).getEntity<Record<string, unknown>>(PARTITION, ROW);
    } catch (error) {
      if ((error as { statusCode?: unknown }).statusCode === 404) return undefined;
      throw storageError('reading the service discovery', error);
    }
    const parsed = rowSchema.safeParse(entity);
    if (!parsed.success) return undefined;
    const { at, discovered, lastOkAt, errorCode } = parsed.data;
    return { at, discovered, lastOkAt, errorCode };
  }
}
