import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { Container } from '../../../../../shared/composition-root';
import { recordResult } from '../../../../../shared/probe/storage/probe-store';
import { PROBE_TABLES, rawTableLogicalName } from '../../../../../shared/probe/storage/probe-tables';
import { writeRunLog } from '../../../../../shared/probe/storage/run-log';
import { runProbeCleanup } from '../../../../../shared/probe/use-cases/cleanup';
import { probeResult, storeTarget } from '../../../../helpers/probe-results';
import { azuriteConnectionString, uniqueTablePrefix } from '../../../../helpers/storage';

const NOW = Date.parse('2026-11-03T04:00:00Z');
const at = (iso: string) => new Date(iso);

async function rowKeys(container: Container, logical: string, filter: string): Promise<string[]> {
  const table = await container.table(logical);
  const keys: string[] = [];
  for await (const e of table.listEntities({ queryOptions: { filter, select: ['RowKey'] } }))
    keys.push(e.rowKey ?? '');
  return keys;
}

describe('probe retention cleanup against Azurite', () => {
  it('drops expired monthly tables, purges the boundary month by day partition, trims hourly rollups and markers, keeps daily rollups', async () => {
    const env = {
      AzureWebJobsStorage: azuriteConnectionString(),
      TABLE_NAME_PREFIX: uniqueTablePrefix(),
      PROBE_RETENTION_DAYS: '30',
    };
    const times = [
      '2026-07-15T12:00:00Z',
      '2026-09-20T12:00:00Z',
      '2026-10-02T12:00:00Z',
      '2026-10-03T23:59:00Z',
      '2026-10-04T00:00:00Z',
      '2026-10-20T12:00:00Z',
      '2026-11-01T12:00:00Z',
    ];
    let seedNow = 0;
    const seeding = new Container({ env, clock: { now: () => new Date(seedNow) } });
    for (const iso of times) {
      // Each result is written "at its time", as the probe would have.
      seedNow = Date.parse(iso) + 60_000;
      for (const id of ['a', 'b'])
        await recordResult(seeding, storeTarget(id), probeResult({ targetId: id, scheduledAt: at(iso) }));
      await writeRunLog(seeding, {
        source: 'timer',
        mode: 'inline',
        scheduledAt: at(iso),
        startedAt: at(iso),
        finishedAt: at(iso),
        probeMs: 0,
        isPastDue: false,
        lastScheduled: null,
        nextScheduled: null,
        deadlineMs: 48_000,
        concurrency: 32,
        targets: 2,
        enqueued: 0,
        up: 2,
        degraded: 0,
        down: 0,
        maintenance: 0,
        writeErrors: 0,
        stateChanges: 0,
        loadError: null,
      });
    }
    const container = new Container({ env, clock: { now: () => new Date(NOW) } });
    const lines: string[] = [];
    const summary = await runProbeCleanup(
      undefined,
      new InvocationContext({ logHandler: (_l, ...a) => lines.push(a.join(' ')) }),
      container,
    );

    const prefix = container.tableName('ProbeResults');
    expect([...summary.tablesDropped].sort()).toEqual([`${prefix}202607`, `${prefix}202609`]);
    expect(summary).toMatchObject({
      cutoff: '2026-10-04T00:00:00.000Z',
      rawPartitionsPurged: 4,
      rawRowsDeleted: 4,
    });
    const service = await container.tableService();
    const names: string[] = [];
    for await (const t of service.listTables()) if (t.name?.startsWith(prefix)) names.push(t.name);
    expect(names.sort()).toEqual([`${prefix}202610`, `${prefix}202611`]);

    const october = rawTableLogicalName(at('2026-10-01T00:00:00Z'));
    expect(
      await rowKeys(container, october, "PartitionKey eq 'a_20261002' or PartitionKey eq 'a_20261003'"),
    ).toEqual([]);
    expect(await rowKeys(container, october, "PartitionKey eq 'a_20261004'")).toHaveLength(1);
    expect(await rowKeys(container, october, "PartitionKey eq 'b_20261020'")).toHaveLength(1);

    // Hourly rollups older than 90 days go (July), daily ones stay; markers older than 7 days go.
    expect(
      await rowKeys(
        container,
        PROBE_TABLES.rollups,
        "PartitionKey eq 'a' and RowKey ge 'H' and RowKey lt 'I'",
      ),
    ).toEqual(['H2026092012', 'H2026100212', 'H2026100323', 'H2026100400', 'H2026102012', 'H2026110112']);
    expect(
      await rowKeys(
        container,
        PROBE_TABLES.rollups,
        "PartitionKey eq 'a' and RowKey ge 'D' and RowKey lt 'E'",
      ),
    ).toHaveLength(7);
    const markers = await rowKeys(
      container,
      PROBE_TABLES.rollups,
      "PartitionKey eq 'a' and RowKey ge 'M' and RowKey lt 'N'",
    );
    expect(markers.map((k) => k.slice(1, 9))).toEqual(['20261101']);
    expect(summary.runRowsDeleted).toBe(4);
    expect(lines.some((l) => l.includes('"event":"probe.cleanup"'))).toBe(true);

    // Resumes from its progress: a second run the same day finds nothing left to do.
    const again = await runProbeCleanup(undefined, new InvocationContext(), container);
    expect(again).toMatchObject({
      tablesDropped: [],
      rawRowsDeleted: 0,
      hourlyRowsDeleted: 0,
      markerRowsDeleted: 0,
      runRowsDeleted: 0,
    });
  });
});
