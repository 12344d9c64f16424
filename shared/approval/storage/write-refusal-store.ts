/*
 * The Private Link Services whose connection writes ARM refused for lack of a role (table
 * `ReconcileRuns`, PartitionKey `writeRefused`, one row per PLS), so health on any instance names
 * each one and the role to assign. A discovered service is readable with the discovery role alone;
 * deciding its connections needs the operator role, which infra assigns only on request
 * (allowDiscoveredWrites). A later write that succeeds on that PLS removes its row.
 * A partition of its own: the reconciliation outcomes read only PartitionKey `latest`.
 */
import { odata, type TableClient } from '@azure/data-tables';
import { z } from 'zod';
import { asDate } from '../../storage/entity-values';
import { storageError } from '../../storage/table-errors';
import { plsKey } from '../../storage/table-keys';

export interface WriteRefusal {
  readonly plsId: string;
  /** When ARM last refused a connection write there. */
  readonly at: Date;
  /** ARM's own error code (`AuthorizationFailed`). */
  readonly upstreamCode: string;
}

const PARTITION = 'writeRefused';
/** More refused services than this in one report say enough; health shows the first few anyway. */
const MAX_LISTED = 1000;

const rowSchema = z.object({
  plsId: z.string().min(1).max(400),
  at: z.preprocess((v) => asDate(v) ?? undefined, z.date()),
  upstreamCode: z.string().max(100).catch('AuthorizationFailed'),
});

export class WriteRefusalStore {
  constructor(private readonly table: () => Promise<TableClient>) {}

  async refused(refusal: WriteRefusal): Promise<void> {
    try {
      await (await this.table()).upsertEntity(
        {
          partitionKey: PARTITION,
          rowKey: plsKey(refusal.plsId),
          plsId: refusal.plsId,
          at: refusal.at,
          upstreamCode: refusal.upstreamCode,
        },
        'Replace',
      );
    } catch (error) {
      throw storageError('recording a refused connection write', error);
    }
  }

  async cleared(plsId: string): Promise<void> {
    try {
      await (await this.table()).deleteEntity(PARTITION, plsKey(plsId));
    } catch (error) {
      if ((error as { statusCode?: unknown }).statusCode === 404) return;
      throw storageError('clearing a refused connection write', error);
    }
  }

  async list(): Promise<WriteRefusal[]> {
    const out: WriteRefusal[] = [];
    try {
      const entities = (await this.table()).listEntities<Record<string, unknown>>({
        queryOptions: { filter: odata`PartitionKey eq ${PARTITION}` },
      });
      for await (const entity of entities) {
        const parsed = rowSchema.safeParse(entity);
        if (parsed.success) out.push(parsed.data);
        if (out.length >= MAX_LISTED) break;
      }
    } catch (error) {
      throw storageError('reading the refused connection writes', error);
    }
    return out;
  }
}
