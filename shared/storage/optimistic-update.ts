/*
 * Optimistic concurrency for read-modify-write rows, written once: read, compute the next value,
 * write guarded by what was read (the read ETag for an update, "must not exist" for a create), and
 * when another writer got there first (412 ETag mismatch, 409 entity exists) back off with jitter,
 * read again and recompute. Bounded: after the last attempt the caller gets a storage_unavailable
 * error saying the row stayed contended, never a silent lost update.
 *
 * Table Storage's ETags and If-Match: "Managing Concurrency in Microsoft Azure Storage" and the
 * Update Entity operation (412 Precondition Failed when the ETag does not match); Insert Entity
 * answers 409 Conflict when the entity exists.
 */
import type { TableClient, TableEntity } from '@azure/data-tables';
import { AppError } from '../errors';
import { getOrUndefined, isWriteConflict, storageError } from './table-errors';

/** How many times a contended read-modify-write is tried before giving up. */
export const MAX_CONFLICT_ATTEMPTS = 50;

/** Full jitter on a capped exponential step, so two writers do not collide again in lockstep. */
export function conflictBackoff(attempt: number, random: () => number = Math.random): Promise<void> {
  const ms = Math.min(250, 10 * 2 ** Math.min(attempt, 5)) * random();
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface ConflictRetryOptions<T> {
  /** What is being written, for the error ("writing the latest probe state"). */
  readonly what: string;
  readonly maxAttempts?: number;
  /** Waits before attempt `attempt + 1`; defaults to conflictBackoff. */
  readonly backoff?: (attempt: number) => Promise<void>;
  /**
   * Asked after a conflict, before backing off: a value ends the loop with it (e.g. the conflict
   * shows this very write landed before), undefined retries.
   */
  readonly afterConflict?: () => Promise<T | undefined>;
}

/**
 * Runs `attempt` (which reads, computes and writes with its own guard) until it finishes without a
 * write conflict. Any other failure ends the loop as a storage error.
 */
export async function retryOnWriteConflict<T>(
  attempt: (attempt: number) => Promise<T>,
  options: ConflictRetryOptions<T>,
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? MAX_CONFLICT_ATTEMPTS;
  const backoff = options.backoff ?? conflictBackoff;
  for (let n = 0; n < maxAttempts; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!isWriteConflict(error)) throw storageError(options.what, error);
      const settled = await options.afterConflict?.();
      if (settled !== undefined) return settled;
      if (n + 1 < maxAttempts) await backoff(n);
    }
  }
  throw new AppError(
    'storage_unavailable',
    `Table Storage failed while ${options.what}: another writer changed the row on each of ${maxAttempts} attempts.`,
  );
}

/** The stored entity as read, with the ETag the write is guarded by. */
export type StoredEntity<T extends object> = T & { readonly etag: string };

/** What to do with the row just read: write `entity` and answer `result`, or leave it and answer `result`. */
export type NextEntity<R> =
  | { readonly write: TableEntity; readonly result: R }
  | { readonly write?: undefined; readonly result: R };

/**
 * Read-modify-write of one row: `compute` gets the stored entity (undefined when absent) and says
 * what to write; the write is a create when the row was absent (409: someone created it meanwhile)
 * and a Replace under the read ETag otherwise (412: someone changed it), both retried from a fresh
 * read. `compute` may run several times, so it must not have side effects.
 */
export function updateOptimistically<T extends object, R>(
  table: TableClient,
  key: { readonly partitionKey: string; readonly rowKey: string },
  compute: (current: StoredEntity<T> | undefined) => NextEntity<R>,
  options: ConflictRetryOptions<R>,
): Promise<R> {
  return retryOnWriteConflict(async () => {
    const current = (await getOrUndefined(
      () => table.getEntity<T>(key.partitionKey, key.rowKey),
      options.what,
    )) as StoredEntity<T> | undefined;
    const next = compute(current);
    if (next.write === undefined) return next.result;
    const entity = { ...next.write, partitionKey: key.partitionKey, rowKey: key.rowKey };
    if (current === undefined) await table.createEntity(entity);
    else await table.updateEntity(entity, 'Replace', { etag: current.etag });
    return next.result;
  }, options);
}
