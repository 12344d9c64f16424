/*
 * The last outcome of each reconciliation trigger (table `ReconcileRuns`, PartitionKey `latest`):
 * RowKey `{source}` holds the last run, whatever it gave, and `{source}.ok` the last run that
 * worked. Point rows rather than a day-partitioned run log, so health reads them in one query and
 * a timer that has been dead for days still shows its last success. Each run's full summary is in
 * its log lines (`approval.reconcile.summary`, `approval.queue.reconciled`).
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { z } from 'zod';
import { asDate } from '../../storage/entity-values';
import { storageError } from '../../storage/table-errors';
import type { ReconcileOutcome, ReconcileResult, ReconcileSource } from '../core/reconcile-outcome';

const PARTITION = 'latest';
const SOURCES = ['timer', 'queue'] as const satisfies readonly ReconcileSource[];
const RESULTS = [
  'ok',
  'pls_failed',
  'policy_invalid',
  'arm_credential_unavailable',
  'failed',
] as const satisfies readonly ReconcileResult[];

export interface LatestOutcomes {
  readonly last: ReconcileOutcome | undefined;
  readonly lastOk: ReconcileOutcome | undefined;
}

export type LatestBySource = Readonly<Record<ReconcileSource, LatestOutcomes>>;

export class ReconcileOutcomeStore {
  constructor(private readonly table: () => Promise<TableClient>) {}

  /** One transaction: the last run, and the last good run when this one worked. */
  async record(outcome: ReconcileOutcome): Promise<void> {
    const row = toRow(outcome);
    const actions: TransactionAction[] = [['upsert', { ...row, rowKey: outcome.source }, 'Replace']];
    if (outcome.result === 'ok')
      actions.push(['upsert', { ...row, rowKey: `${outcome.source}.ok` }, 'Replace']);
    try {
      await (await this.table()).submitTransaction(actions);
    } catch (error) {
      throw storageError('recording the reconciliation outcome', error);
    }
  }

  async latest(): Promise<LatestBySource> {
    const rows = new Map<string, ReconcileOutcome>();
    try {
      const table = await this.table();
      for await (const entity of table.listEntities<Record<string, unknown>>({
        queryOptions: { filter: odata`PartitionKey eq ${PARTITION}` },
      })) {
        const outcome = fromRow(entity);
        if (outcome !== undefined) rows.set(String(entity.rowKey), outcome);
      }
    } catch (error) {
      throw storageError('reading the reconciliation outcomes', error);
    }
    const of = (source: ReconcileSource): LatestOutcomes => ({
      last: rows.get(source),
      lastOk: rows.get(`${source}.ok`),
    });
    return { timer: of('timer'), queue: of('queue') };
  }
}

function toRow(o: ReconcileOutcome) {
  return {
    partitionKey: PARTITION,
    source: o.source,
    result: o.result,
    ...(o.code === null ? {} : { code: o.code }),
    startedAt: o.startedAt,
    finishedAt: o.finishedAt,
    durationMs: o.finishedAt.getTime() - o.startedAt.getTime(),
    correlationId: o.correlationId,
    privateLinkServices: o.privateLinkServices,
    connections: o.connections,
    failed: o.failed,
    unfinished: o.unfinished,
    // A few ids and codes; JSON keeps them one column (the count says how many failed in all).
    failures: JSON.stringify(o.failures),
  };
}

const failuresSchema = z.array(z.object({ plsId: z.string(), code: z.string() }));
const countSchema = z.number().int().nonnegative().catch(0);
const dateSchema = z.preprocess((v) => asDate(v) ?? undefined, z.date());
const rowSchema = z.object({
  source: z.enum(SOURCES),
  result: z.enum(RESULTS),
  code: z.string().optional(),
  startedAt: dateSchema,
  finishedAt: dateSchema,
  correlationId: z.string().catch(''),
  privateLinkServices: countSchema,
  connections: countSchema,
  failed: countSchema,
  unfinished: countSchema,
  failures: z
    .string()
    .transform((text, ctx) => {
      try {
        return failuresSchema.parse(JSON.parse(text));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not a failure list' });
        return z.NEVER;
      }
    })
    .catch([]),
});

/** A row this version cannot read is ignored, never trusted: health then says no run was recorded. */
function fromRow(entity: Record<string, unknown>): ReconcileOutcome | undefined {
  const parsed = rowSchema.safeParse(entity);
  if (!parsed.success) return undefined;
  const { code, ...rest } = parsed.data;
  return { ...rest, code: code ?? null };
}
