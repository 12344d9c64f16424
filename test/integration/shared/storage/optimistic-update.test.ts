import { TableClient } from '@azure/data-tables';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../../../shared/errors';
import {
  type NextEntity,
  retryOnWriteConflict,
  type StoredEntity,
  updateOptimistically,
} from '../../../../shared/storage/optimistic-update';
import { azuriteConnectionString, uniqueTablePrefix } from '../../../helpers/storage';

interface Counter {
  readonly count?: number;
  readonly writers?: string;
}

const noWait = () => Promise.resolve();

describe('optimistic read-modify-write on Azurite', () => {
  let table: TableClient;
  beforeAll(async () => {
    table = TableClient.fromConnectionString(azuriteConnectionString(), `${uniqueTablePrefix()}Optimistic`, {
      allowInsecureConnection: true,
    });
    await table.createTable();
  });

  const increment =
    (writer: string) =>
    (current: StoredEntity<Counter> | undefined): NextEntity<number> => {
      const count = (current?.count ?? 0) + 1;
      const writers = current?.writers === undefined ? writer : `${current.writers},${writer}`;
      return { write: { partitionKey: '', rowKey: '', count, writers }, result: count };
    };

  it('lands every concurrent writer, also when they all create the row at once (no lost update)', async () => {
    const key = { partitionKey: 'p', rowKey: 'concurrent' };
    const writers = Array.from({ length: 12 }, (_, i) => `w${i}`);
    const results = await Promise.all(
      writers.map((w) => updateOptimistically(table, key, increment(w), { what: 'counting' })),
    );
    const stored = await table.getEntity<Counter>(key.partitionKey, key.rowKey);
    expect(stored.count).toBe(writers.length);
    expect(stored.writers?.split(',').sort()).toEqual([...writers].sort());
    // Each writer saw a different count: every write was made on the value before it.
    expect([...results].sort((a, b) => a - b)).toEqual(writers.map((_, i) => i + 1));
  });

  it('writes nothing when the computation says no change', async () => {
    const key = { partitionKey: 'p', rowKey: 'unchanged' };
    await updateOptimistically(table, key, increment('a'), { what: 'counting' });
    const before = await table.getEntity<Counter>(key.partitionKey, key.rowKey);
    const answer = await updateOptimistically<Counter, string>(table, key, () => ({ result: 'left alone' }), {
      what: 'counting',
    });
    expect(answer).toBe('left alone');
    expect((await table.getEntity<Counter>(key.partitionKey, key.rowKey)).etag).toBe(before.etag);
  });

  it('ends a 412 storm after the bounded number of attempts with a clear storage error', async () => {
    const key = { partitionKey: 'p', rowKey: 'storm' };
    await updateOptimistically(table, key, increment('seed'), { what: 'counting' });
    // Another writer changes the row between every read and the write that follows it.
    const racing = Object.create(table) as TableClient;
    let reads = 0;
    racing.getEntity = (async (partitionKey: string, rowKey: string) => {
      const read = await table.getEntity<Counter>(partitionKey, rowKey);
      reads++;
      await table.updateEntity({ partitionKey, rowKey, count: -reads }, 'Merge');
      return read;
    }) as TableClient['getEntity'];
    let waits = 0;
    const error = await updateOptimistically(racing, key, increment('storm'), {
      what: 'counting in a storm',
      maxAttempts: 4,
      backoff: async () => {
        waits++;
      },
    }).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('storage_unavailable');
    expect((error as Error).message).toMatch(/counting in a storm.*4 attempts/);
    expect(reads).toBe(4);
    expect(waits).toBe(3);
    // Nothing of the stale writes landed: the row holds the other writer's last value.
    expect((await table.getEntity<Counter>(key.partitionKey, key.rowKey)).count).toBe(-4);
  });

  it('retries on 409 and 412 only: any other failure ends the loop at once as a storage error', async () => {
    let calls = 0;
    const error = await retryOnWriteConflict(
      async () => {
        calls++;
        throw Object.assign(new Error('boom'), { statusCode: 500 });
      },
      { what: 'failing', backoff: noWait },
    ).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(isAppError(error) && error.code).toBe('storage_unavailable');

    let conflicts = 0;
    const value = await retryOnWriteConflict(
      async () => {
        if (conflicts++ < 2)
          throw Object.assign(new Error('conflict'), { statusCode: conflicts === 1 ? 409 : 412 });
        return 'done';
      },
      { what: 'conflicting', backoff: noWait },
    );
    expect(value).toBe('done');
    expect(conflicts).toBe(3);
  });
});
