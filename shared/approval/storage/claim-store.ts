import type { TableClient, TransactionAction } from '@azure/data-tables';
import { mapWithConcurrency } from '../../async/map-with-concurrency';
import type { Clock } from '../../clock';
import { chunksByPartition } from '../../storage/table-batches';
import { storageError, storageStatus } from '../../storage/table-errors';
import { connectionKey, plsKey } from '../../storage/table-keys';

/**
 * One claim row per connection (table `Claims`, PartitionKey = PLS key, RowKey = connection key)
 * makes "one ARM write per decided connection" hold across instances, timer/event overlap and
 * duplicate events. Taking a claim is an insert-if-absent, or a replace guarded by the row's ETag
 * when the previous claim has expired; exactly one contender wins either way. After the ARM write
 * the winner marks the claim `done` (kept a while), so a late duplicate that decided from the same
 * state stops there instead of writing audit rows and re-reading ARM.
 */
export interface ClaimRequest {
  readonly plsId: string;
  readonly connectionName: string;
  readonly decisionId: string;
  readonly actorKind: 'policy' | 'person';
  /** The status the decision was made on, and the status it will write. */
  readonly basedOn: string;
  readonly target: string;
  /**
   * The connection's ETag when the decision was made. A finished claim absorbs only duplicates made
   * on that same version: a connection that went Rejected → Pending (the consumer asked again) is
   * Pending once more but with a new ETag, and is decided again instead of being taken for a duplicate.
   */
  readonly basedOnEtag?: string | undefined;
}

export type ClaimResult =
  | { readonly acquired: true; readonly handle: ClaimHandle }
  | {
      readonly acquired: false;
      /** `held`: a decision is in flight; `decided`: a decision from the same state just completed. */
      readonly reason: 'held' | 'decided';
      readonly holder: { readonly actorKind: string; readonly target: string; readonly decisionId: string };
    };

export interface ClaimHandle {
  readonly request: ClaimRequest;
  etag: string;
}

export interface ClaimTimings {
  /** How long an unfinished claim blocks others (longer than one guarded write with its retries). */
  readonly heldMs: number;
  /** How long a finished claim keeps absorbing duplicates of the same decision. */
  readonly doneMs: number;
}

export const DEFAULT_CLAIM_TIMINGS: ClaimTimings = { heldMs: 60_000, doneMs: 10 * 60_000 };

type ClaimRow = {
  readonly partitionKey: string;
  readonly rowKey: string;
  readonly decisionId: string;
  readonly actorKind: string;
  readonly phase: 'held' | 'done';
  readonly basedOn: string;
  readonly basedOnEtag?: string;
  readonly target: string;
  readonly expiresAt: string;
};

export class ClaimStore {
  constructor(
    private readonly table: () => Promise<TableClient>,
    private readonly clock: Clock,
    private readonly timings: ClaimTimings = DEFAULT_CLAIM_TIMINGS,
  ) {}

  async acquire(request: ClaimRequest): Promise<ClaimResult> {
    try {
      const table = await this.table();
      const row = this.row(request, 'held', this.timings.heldMs);
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const created = await table.createEntity(row);
          return { acquired: true, handle: { request, etag: created.etag ?? '*' } };
        } catch (error) {
          if (storageStatus(error) !== 409) throw error;
        }
        let existing: ClaimRow & { etag: string };
        try {
          existing = await table.getEntity<ClaimRow>(row.partitionKey, row.rowKey);
        } catch (error) {
          if (storageStatus(error) === 404) continue; // released between our insert and read: try again
          throw error;
        }
        const live = Date.parse(existing.expiresAt) > this.clock.now().getTime();
        const holder = {
          actorKind: existing.actorKind,
          target: existing.target,
          decisionId: existing.decisionId,
        };
        if (live && existing.phase === 'held') return { acquired: false, reason: 'held', holder };
        if (
          live &&
          existing.phase === 'done' &&
          existing.basedOn === request.basedOn &&
          sameVersion(existing.basedOnEtag, request.basedOnEtag)
        ) {
          return { acquired: false, reason: 'decided', holder };
        }
        try {
          const replaced = await table.updateEntity(row, 'Replace', { etag: existing.etag });
          return { acquired: true, handle: { request, etag: replaced.etag ?? '*' } };
        } catch (error) {
          const status = storageStatus(error);
          if (status === 412) return { acquired: false, reason: 'held', holder };
          if (status === 404) continue;
          throw error;
        }
      }
      return {
        acquired: false,
        reason: 'held',
        holder: { actorKind: 'unknown', target: request.target, decisionId: '' },
      };
    } catch (error) {
      throw storageError('claiming a connection', error);
    }
  }

  /**
   * Claims many connections in as few round trips as possible: one insert transaction per 100
   * connections of a PLS. A transaction is all-or-nothing, so if any claim row already exists the
   * chunk falls back to one guarded acquire per connection; without contention (the usual case)
   * a hundred claims cost one request.
   */
  async acquireMany(requests: readonly ClaimRequest[], inFlight = 16): Promise<ClaimResult[]> {
    const results = new Map<ClaimRequest, ClaimResult>();
    const table = await this.tableOrThrow();
    const chunks = chunksByPartition(requests, (r) => plsKey(r.plsId));
    await Promise.all(
      chunks.map(async (chunk) => {
        const rows = chunk.map((r) => this.row(r, 'held', this.timings.heldMs));
        const distinct = new Set(rows.map((r) => r.rowKey)).size === rows.length;
        if (chunk.length > 1 && distinct) {
          try {
            const response = await table.submitTransaction(
              rows.map((row): TransactionAction => ['create', row]),
            );
            const etags = new Map(response.subResponses.map((s) => [s.rowKey, s.etag]));
            chunk.forEach((request, i) => {
              const etag = etags.get(rows[i]?.rowKey ?? '');
              results.set(request, { acquired: true, handle: { request, etag: etag ?? '*' } });
            });
            if (chunk.every((r) => (results.get(r) as { handle?: ClaimHandle }).handle?.etag !== '*')) return;
            // Without every ETag we cannot guard later updates: take the slow path for this chunk.
            for (const r of chunk) results.delete(r);
            await Promise.all(chunk.map((r) => this.release({ request: r, etag: '*' })));
          } catch (error) {
            if (storageStatus(error) === undefined) throw storageError('claiming a connection', error);
          }
        }
        await mapWithConcurrency(chunk, inFlight, async (request) => {
          results.set(request, await this.acquire(request));
        });
      }),
    );
    return requests.map((r) => {
      const result = results.get(r);
      if (result === undefined) throw new Error('claim result missing');
      return result;
    });
  }

  /** completeMany: one guarded update transaction per 100 claims; falls back to one by one. */
  async completeMany(handles: readonly ClaimHandle[]): Promise<void> {
    const table = await this.tableOrThrow();
    await Promise.all(
      chunksByPartition(handles, (h) => plsKey(h.request.plsId)).map(async (chunk) => {
        if (chunk.length > 1) {
          try {
            await table.submitTransaction(
              chunk.map(
                (h): TransactionAction => [
                  'update',
                  this.row(h.request, 'done', this.timings.doneMs),
                  'Replace',
                  { etag: h.etag },
                ],
              ),
            );
            return;
          } catch {
            // One claim was taken over (expired, re-claimed): finish the others one by one.
          }
        }
        await Promise.all(chunk.map((h) => this.complete(h).catch(() => undefined)));
      }),
    );
  }

  private async tableOrThrow(): Promise<TableClient> {
    try {
      return await this.table();
    } catch (error) {
      throw storageError('claiming a connection', error);
    }
  }

  /** Marks the claim done: duplicates of this decision stop at the claim for `doneMs`. */
  async complete(handle: ClaimHandle): Promise<void> {
    const table = await this.table();
    const updated = await table.updateEntity(
      this.row(handle.request, 'done', this.timings.doneMs),
      'Replace',
      {
        etag: handle.etag,
      },
    );
    handle.etag = updated.etag ?? handle.etag;
  }

  /** Gives the claim up (nothing was written), so the next run may decide again at once. */
  async release(handle: ClaimHandle): Promise<void> {
    const table = await this.table();
    try {
      await table.deleteEntity(plsKey(handle.request.plsId), connectionKey(handle.request.connectionName), {
        etag: handle.etag,
      });
    } catch (error) {
      const status = storageStatus(error);
      if (status !== 404 && status !== 412) throw error;
    }
  }

  /** A finished claim of ours on this connection newer than `withinMs`: used to recognise events of our own writes. */
  async recentlyCompleted(plsId: string, connectionName: string, withinMs: number): Promise<boolean> {
    const table = await this.table();
    try {
      const row = await table.getEntity<ClaimRow>(plsKey(plsId), connectionKey(connectionName));
      const finishedAt = Date.parse(row.expiresAt) - this.timings.doneMs;
      return row.phase === 'done' && this.clock.now().getTime() - finishedAt <= withinMs;
    } catch (error) {
      if (storageStatus(error) === 404) return false;
      throw storageError('reading a claim', error);
    }
  }

  private row(request: ClaimRequest, phase: 'held' | 'done', ttlMs: number): ClaimRow {
    return {
      partitionKey: plsKey(request.plsId),
      rowKey: connectionKey(request.connectionName),
      decisionId: request.decisionId,
      actorKind: request.actorKind,
      phase,
      basedOn: request.basedOn,
      ...(request.basedOnEtag !== undefined ? { basedOnEtag: request.basedOnEtag } : {}),
      target: request.target,
      expiresAt: new Date(this.clock.now().getTime() + ttlMs).toISOString(),
    };
  }
}

/** Unknown on either side (rows written before ETags were kept, a gateway without them) counts as the same. */
function sameVersion(held: string | undefined, asked: string | undefined): boolean {
  return held === undefined || held === '' || asked === undefined || asked === '' || held === asked;
}
