/*
 * The "what is new" pass's shared state (table `ReconcileRuns`, PartitionKey `watch`, RowKey
 * `latest`): when the next pass is due, the period the last pass derived, and what it did, so that
 * every instance ticks but one runs each period, and health on any instance shows the last pass.
 *
 * Claiming is a read-modify-write under the row's ETag (shared/storage/optimistic-update.ts): two
 * instances that tick together both read "due", one write lands, the other gets 412/409, reads again
 * and sees "not due". A partition of its own: the reconciliation outcomes read only `latest`.
 */
import type { TableClient } from '@azure/data-tables';
import { z } from 'zod';
import { asDate, double } from '../../storage/entity-values';
import { updateOptimistically } from '../../storage/optimistic-update';
import { getOrUndefined, storageError } from '../../storage/table-errors';

export type WatchSource = 'arm' | 'graph';

/** What the last pass did, as health shows it. */
export interface WatchPassStatus {
  /** When the pass started. */
  readonly at: Date;
  readonly source: WatchSource;
  /** ARM list pages or Resource Graph queries the pass sent. */
  readonly reads: number;
  /** The period it derived from those reads (ms): the next pass is due this long after `at`. */
  readonly periodMs: number;
  /** Reads per minute, measured from this pass's reads and the time since the pass before. */
  readonly readsPerMinute: number | undefined;
  /** Services handed to the decision path in this invocation, and those queued for later. */
  readonly handed: number;
  readonly queued: number;
  /** The AppError code when the pass failed (nothing was handed from what failed). */
  readonly errorCode: string | undefined;
  /** When a pass last worked. */
  readonly lastOkAt: Date | undefined;
}

export interface WatchState extends WatchPassStatus {
  readonly nextDueAt: Date;
}

export type WatchClaim =
  | { readonly claimed: true; readonly previous: WatchState | undefined }
  | { readonly claimed: false; readonly nextDueAt: Date };

const PARTITION = 'watch';
const ROW = 'latest';

const rowSchema = z.object({
  nextDueAt: z.preprocess((v) => asDate(v) ?? undefined, z.date()),
  at: z.preprocess((v) => asDate(v) ?? undefined, z.date()),
  source: z.enum(['arm', 'graph']).catch('arm'),
  reads: z.number().int().nonnegative().catch(0),
  periodMs: z.number().int().nonnegative().catch(0),
  readsPerMinute: z.number().nonnegative().optional().catch(undefined),
  handed: z.number().int().nonnegative().catch(0),
  queued: z.number().int().nonnegative().catch(0),
  errorCode: z.string().max(100).optional().catch(undefined),
  lastOkAt: z.preprocess((v) => asDate(v) ?? undefined, z.date().optional()),
});

function stateOf(entity: Record<string, unknown> | undefined): WatchState | undefined {
  if (entity === undefined) return undefined;
  const parsed = rowSchema.safeParse(entity);
  if (!parsed.success) return undefined;
  const { readsPerMinute, errorCode, lastOkAt, ...rest } = parsed.data;
  return { ...rest, readsPerMinute, errorCode, lastOkAt };
}

export class WatchStateStore {
  constructor(private readonly table: () => Promise<TableClient>) {}

  /**
   * Claims the pass when it is due (`nextDueAt` at most `slackMs`, and at most half the last period,
   * after `now`, or no row yet): the
   * claim moves `nextDueAt` to `now + holdMs`, so no other instance starts a pass while this one
   * runs (or, if this one dies, until the hold ends). Not due: answers when it will be.
   */
  async claim(now: Date, holdMs: number, slackMs: number): Promise<WatchClaim> {
    const table = await this.table();
    return updateOptimistically<Record<string, unknown>, WatchClaim>(
      table,
      { partitionKey: PARTITION, rowKey: ROW },
      (current) => {
        const previous = stateOf(current);
        // The slack never exceeds half a period, so a short period is not due again at once.
        const slack = Math.min(slackMs, (previous?.periodMs ?? 0) / 2);
        if (previous !== undefined && previous.nextDueAt.getTime() - slack > now.getTime()) {
          const notDue: WatchClaim = { claimed: false, nextDueAt: previous.nextDueAt };
          return { result: notDue };
        }
        const held = new Date(now.getTime() + holdMs);
        const keys = { partitionKey: PARTITION, rowKey: ROW };
        const write =
          previous === undefined
            ? {
                ...keys,
                nextDueAt: held,
                at: now,
                source: 'arm',
                reads: 0,
                periodMs: 0,
                handed: 0,
                queued: 0,
              }
            : { ...stripKeys(current ?? {}), ...keys, nextDueAt: held };
        const claimed: WatchClaim = { claimed: true, previous };
        return { write, result: claimed };
      },
      { what: 'claiming the watch pass' },
    );
  }

  /** Records a finished (or failed) pass and when the next one is due; replaces the claim's hold. */
  async finish(state: WatchState): Promise<void> {
    try {
      await (await this.table()).upsertEntity(
        {
          partitionKey: PARTITION,
          rowKey: ROW,
          nextDueAt: state.nextDueAt,
          at: state.at,
          source: state.source,
          reads: state.reads,
          periodMs: state.periodMs,
          ...(state.readsPerMinute === undefined ? {} : { readsPerMinute: double(state.readsPerMinute) }),
          handed: state.handed,
          queued: state.queued,
          ...(state.errorCode === undefined ? {} : { errorCode: state.errorCode }),
          ...(state.lastOkAt === undefined ? {} : { lastOkAt: state.lastOkAt }),
        },
        'Replace',
      );
    } catch (error) {
      throw storageError('recording the watch pass', error);
    }
  }

  async get(): Promise<WatchState | undefined> {
    const table = await this.table();
    return stateOf(
      await getOrUndefined(
        () => table.getEntity<Record<string, unknown>>(PARTITION, ROW),
        'reading the watch pass',
      ),
    );
  }
}

/** The stored row without its keys and service metadata, to be written back with a new hold. */
function stripKeys(entity: Record<string, unknown>): Record<string, unknown> {
  const { partitionKey: _pk, rowKey: _rk, etag: _etag, timestamp: _ts, ...rest } = entity;
  // Table Storage returns `{name}@odata.type` annotations beside typed values; they are not written back.
  return Object.fromEntries(Object.entries(rest).filter(([key]) => !key.includes('@')));
}
