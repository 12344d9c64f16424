/**
 * The reconciliation work queue (RECONCILE_QUEUE_NAME) and its de-duplication markers (table
 * `ReconcileRequests`, PartitionKey `pls`, RowKey = PLS key). An event storm for one PLS becomes one
 * queued item: the first event inserts the marker and enqueues, later ones find a fresh marker and
 * stop. The worker removes the marker before it lists the PLS, so an event that arrives after the
 * list started queues a new run (the list may predate its change).
 */
import type { TableClient } from '@azure/data-tables';
import type { QueueClient } from '@azure/storage-queue';
import type { Clock } from '../../clock';
import { AppError } from '../../errors';
import { storageError, storageStatus } from '../../storage/table-errors';
import { plsKey } from '../../storage/table-keys';
import { encodeWorkItem, type ReconcileWorkItem } from '../core/reconcile-work-item';

/** A marker older than this is taken as lost (its message failed or expired) and replaced. */
export const DEDUPE_WINDOW_MS = 5 * 60_000;

/** A queued item older than this is of no use: the timer has reconciled the PLS by then. */
const MESSAGE_TTL_SECONDS = 24 * 3600;

const PARTITION = 'pls';

/**
 * How far this instance's clock may be ahead of the clock that stamped an event's time. Azure keeps
 * its hosts on NTP-synchronised time; a second of allowance costs nothing but coalescing for events
 * younger than that, which then take the storage path.
 */
export const EVENT_CLOCK_SKEW_MS = 1_000;

export type EnqueueResult = 'enqueued' | 'duplicate';

export class ReconcileQueue {
  /**
   * Per PLS key: a time at which a queued item for the PLS had not yet started (this instance
   * queued it, or saw its fresh marker, after that time). The worker lists the PLS only after it
   * starts, so the list sees every change made before then: an event whose change is older is
   * covered without touching storage. Bounded by the number of managed PLS. This keeps a large
   * Event Grid batch (the host invokes once per event) at one or two storage calls per PLS instead of
   * two per event.
   */
  private readonly coveredSince = new Map<string, number>();

  constructor(
    private readonly queue: () => Promise<QueueClient>,
    private readonly markers: () => Promise<TableClient>,
    private readonly clock: Clock,
  ) {}

  /**
   * Queues the item. With `dedupe` (events), an item already queued for the same PLS and not yet
   * started absorbs this one. A failure to queue leaves no marker behind and is thrown (transient).
   */
  async enqueue(item: ReconcileWorkItem, options: { readonly dedupe: boolean }): Promise<EnqueueResult> {
    const key = plsKey(item.plsId);
    // Taken before the marker is read or written: the item was not started at this time at the latest.
    const checkedAt = this.clock.now().getTime();
    if (options.dedupe && !(await this.mark(item.plsId))) {
      this.coveredSince.set(key, checkedAt);
      return 'duplicate';
    }
    try {
      const queue = await this.queue();
      await queue.sendMessage(encodeWorkItem(item), { messageTimeToLive: MESSAGE_TTL_SECONDS });
      if (options.dedupe) this.coveredSince.set(key, checkedAt);
      return 'enqueued';
    } catch (error) {
      if (options.dedupe) await this.started(item.plsId).catch(() => undefined);
      if (error instanceof AppError) throw error;
      throw new AppError('storage_unavailable', 'The reconciliation queue could not be written.', {
        cause: error,
      });
    }
  }

  /**
   * True when an item this instance queued (or found queued) for the PLS had not started when a
   * change made at `changedAt` had already happened: its reconciliation will see that change. No I/O.
   */
  covers(plsId: string, changedAt: Date | undefined): boolean {
    if (changedAt === undefined) return false;
    const since = this.coveredSince.get(plsKey(plsId));
    return since !== undefined && changedAt.getTime() + EVENT_CLOCK_SKEW_MS < since;
  }

  /** The worker is about to list the PLS: later events must queue a new run. */
  async started(plsId: string): Promise<void> {
    // Whatever changes next is not covered by the item that now starts (when it runs here).
    this.coveredSince.delete(plsKey(plsId));
    try {
      const table = await this.markers();
      await table.deleteEntity(PARTITION, plsKey(plsId));
    } catch (error) {
      if (storageStatus(error) === 404) return;
      throw storageError('Reconcile request marker', error);
    }
  }

  /** True when this caller now holds the PLS's marker (it must enqueue), false when a fresh one exists. */
  private async mark(plsId: string): Promise<boolean> {
    try {
      const table = await this.markers();
      const row = {
        partitionKey: PARTITION,
        rowKey: plsKey(plsId),
        markedAt: this.clock.now().toISOString(),
      };
      try {
        await table.createEntity(row);
        return true;
      } catch (error) {
        if (storageStatus(error) !== 409) throw error;
      }
      let existing: { markedAt?: unknown; etag: string };
      try {
        existing = await table.getEntity<{ markedAt?: unknown }>(PARTITION, row.rowKey);
      } catch (error) {
        if (storageStatus(error) === 404) return this.mark(plsId);
        throw error;
      }
      const at = typeof existing.markedAt === 'string' ? Date.parse(existing.markedAt) : Number.NaN;
      if (Number.isFinite(at) && this.clock.now().getTime() - at < DEDUPE_WINDOW_MS) return false;
      try {
        await table.updateEntity(row, 'Replace', { etag: existing.etag });
        return true;
      } catch (error) {
        // Another event replaced the stale marker first: its item is queued.
        if (storageStatus(error) === 412) return false;
        throw error;
      }
    } catch (error) {
      throw storageError('Reconcile request marker', error);
    }
  }
}
