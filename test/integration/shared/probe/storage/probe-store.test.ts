import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../../../shared/clock';
import { Container } from '../../../../../shared/composition-root';
import { bucketOf, bucketValue, exactPercentile } from '../../../../../shared/probe/core/percentiles';
import type { FailureClass, ProbeResult, ResultStatus } from '../../../../../shared/probe/core/types';
import { readEvents } from '../../../../../shared/probe/storage/events';
import { readAllLatest } from '../../../../../shared/probe/storage/latest';
import { recordResult } from '../../../../../shared/probe/storage/probe-store';
import { PROBE_TABLES, rawTableLogicalName } from '../../../../../shared/probe/storage/probe-tables';
import { readRollups } from '../../../../../shared/probe/storage/rollups';
import { hourKey, invertedTicks } from '../../../../../shared/storage/table-keys';
import { probeResult, seededRandom, storeTarget } from '../../../../helpers/probe-results';
import { azuriteConnectionString, uniqueTablePrefix } from '../../../../helpers/storage';

// Spans a month boundary on purpose: two monthly raw tables, two days, several hours.
const T0 = Date.parse('2026-10-31T23:00:00Z');
const fixedClock = (ms: number): Clock => ({ now: () => new Date(ms) });

function sharedEnv() {
  return { AzureWebJobsStorage: azuriteConnectionString(), TABLE_NAME_PREFIX: uniqueTablePrefix() };
}

/** A few hours of varied results: mostly UP, some slow, some failures of several classes, some maintenance. */
function generate(targetId: string, minutes: number, seed: number): ProbeResult[] {
  const random = seededRandom(seed);
  const classes: FailureClass[] = ['TCP_TIMEOUT', 'TCP_REFUSED', 'HTTP_STATUS', 'TLS', 'DEADLINE'];
  return Array.from({ length: minutes }, (_, i) => {
    const r = random();
    const status: ResultStatus = r < 0.7 ? 'UP' : r < 0.85 ? 'DEGRADED' : 'DOWN';
    return probeResult({
      targetId,
      scheduledAt: new Date(T0 + i * 60_000),
      status,
      totalMs: 1 + random() * (status === 'DEGRADED' ? 2_000 : 200),
      dnsMs: random() < 0.5 ? random() * 5 : null,
      tlsMs: random() < 0.5 ? 1 + random() * 20 : null,
      failureClass: classes[Math.floor(random() * classes.length)],
      inMaintenance: i % 23 === 5,
      retries: status === 'DEGRADED' && random() < 0.3 ? 1 : 0,
    });
  });
}

async function recordAll(container: Container, results: readonly ProbeResult[], concurrency = 8) {
  const queue = [...results];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let r = queue.shift(); r !== undefined; r = queue.shift())
        await recordResult(container, storeTarget(r.targetId), r);
    }),
  );
}

interface RawRow {
  hour: string;
  day: string;
  status: string;
  inMaintenance: boolean;
  failureClass: string | undefined;
  totalMs: number;
}

/** Reads the final attempt of every run back from the raw tables: the independent recomputation's input. */
async function rawFinals(container: Container, targetId: string): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  for (const month of [new Date(T0), new Date(T0 + 6 * 3_600_000)]) {
    const table = await container.table(rawTableLogicalName(month));
    for await (const e of table.listEntities({
      queryOptions: { filter: `targetId eq '${targetId}' and isFinal eq true` },
    })) {
      const at = e.scheduledAt as Date;
      rows.push({
        hour: hourKey(at),
        day: hourKey(at).slice(0, 8),
        status: e.status as string,
        inMaintenance: e.inMaintenance === true,
        failureClass: e.failureClass as string | undefined,
        totalMs: e.totalMs as number,
      });
    }
  }
  return rows;
}

function recompute(rows: readonly RawRow[]) {
  const judged = rows.filter((r) => !r.inMaintenance);
  const ok = judged.filter((r) => r.status !== 'DOWN');
  const totals = ok.map((r) => r.totalMs);
  const classes: Record<string, number> = {};
  for (const r of judged)
    if (r.status === 'DOWN' && r.failureClass) classes[r.failureClass] = (classes[r.failureClass] ?? 0) + 1;
  return {
    count: rows.length,
    up: judged.filter((r) => r.status === 'UP').length,
    degraded: judged.filter((r) => r.status === 'DEGRADED').length,
    down: judged.filter((r) => r.status === 'DOWN').length,
    maintenance: rows.length - judged.length,
    classes,
    totals,
  };
}

function expectPercentileWithinBucket(stored: number | null, values: readonly number[], p: number) {
  const exact = exactPercentile(values, p);
  if (exact === null) return expect(stored).toBeNull();
  expect(stored).toBeCloseTo(Math.min(bucketValue(bucketOf(exact)), Math.max(...values)), 6);
}

describe('probe store against Azurite', () => {
  it('keeps hourly and daily rollups equal to a recomputation from the raw rows, and idempotent', async () => {
    const container = new Container({ env: sharedEnv(), clock: fixedClock(T0 + 5 * 3_600_000) });
    const results = [...generate('web-a', 120, 1), ...generate('web-b', 120, 2)];
    // As in production: one writer per target at a time, targets in parallel.
    const perTarget = (rs: readonly ProbeResult[]) =>
      Promise.all(
        ['web-a', 'web-b'].map((t) =>
          recordAll(
            container,
            rs.filter((r) => r.targetId === t),
            1,
          ),
        ),
      );
    await perTarget(results);
    // A retried run (at-least-once): the same results again change nothing.
    await perTarget([...results.slice(50, 70), ...results.slice(120, 140)]);

    for (const targetId of ['web-a', 'web-b']) {
      const raw = await rawFinals(container, targetId);
      expect(raw).toHaveLength(120);
      const from = new Date(T0 - 86_400_000);
      const to = new Date(T0 + 2 * 86_400_000);
      for (const kind of ['hour', 'day'] as const) {
        const stored = await readRollups(container, targetId, kind, from, to);
        const groups = new Map<string, RawRow[]>();
        for (const row of raw) {
          const key = kind === 'hour' ? row.hour : row.day;
          groups.set(key, [...(groups.get(key) ?? []), row]);
        }
        expect(stored.length).toBe(groups.size);
        for (const s of stored) {
          const key = kind === 'hour' ? hourKey(s.periodStart) : hourKey(s.periodStart).slice(0, 8);
          const expected = recompute(groups.get(key) ?? []);
          expect(s.rollup).toMatchObject({
            count: expected.count,
            up: expected.up,
            degraded: expected.degraded,
            down: expected.down,
            maintenance: expected.maintenance,
          });
          for (const [c, n] of Object.entries(s.rollup.errors)) expect(n).toBe(expected.classes[c] ?? 0);
          expect(s.rollup.metrics.total.n).toBe(expected.totals.length);
          expect(s.rollup.metrics.total.maxMs).toBe(
            expected.totals.length ? Math.max(...expected.totals) : 0,
          );
          const { metricPercentile } = await import('../../../../../shared/probe/core/rollup');
          expectPercentileWithinBucket(metricPercentile(s.rollup, 'total', 0.5), expected.totals, 0.5);
          expectPercentileWithinBucket(metricPercentile(s.rollup, 'total', 0.95), expected.totals, 0.95);
        }
      }
    }
  }, 120_000); // hundreds of Azurite writes; it shares one Azurite with suites that seed 30 days of rows

  it('counts exactly when two instances update the same hour at once', async () => {
    const env = sharedEnv();
    const clock = fixedClock(T0 + 3_600_000);
    const one = new Container({ env, clock });
    const two = new Container({ env, clock });
    const results = generate('web-c', 40, 3);
    // Interleaved and overlapping: both instances get every even run, each gets half of the odd ones.
    const even = results.filter((_, i) => i % 2 === 0);
    const odd = results.filter((_, i) => i % 2 === 1);
    await Promise.all([
      recordAll(one, [...even, ...odd.slice(0, 10)], 3),
      recordAll(two, [...even, ...odd.slice(10)], 3),
    ]);
    const [hour] = await readRollups(
      one,
      'web-c',
      'day',
      new Date(T0 - 86_400_000),
      new Date(T0 + 86_400_000),
    );
    const raw = await rawFinals(one, 'web-c');
    expect(raw).toHaveLength(40);
    expect(hour?.rollup.count).toBe(40);
    expect(hour?.rollup.up).toBe(recompute(raw).up);
  });

  it('persists state transitions with their evidence, newest first, once per transition', async () => {
    const container = new Container({ env: sharedEnv(), clock: fixedClock(T0 + 3_600_000) });
    const statuses: ResultStatus[] = ['UP', 'DOWN', 'DOWN', 'DOWN', 'DOWN', 'UP', 'UP', 'UP'];
    const results = statuses.map((status, i) =>
      probeResult({
        targetId: 'web-d',
        scheduledAt: new Date(T0 + i * 60_000),
        status,
        connectionState: status === 'DOWN' ? 'Pending' : null,
      }),
    );
    const outcomes = [];
    for (const r of results) outcomes.push(await recordResult(container, storeTarget('web-d'), r));
    expect(
      outcomes.map((o) => o.transition && `${o.transition.from}->${o.transition.to}`).filter(Boolean),
    ).toEqual(['UNKNOWN->UP', 'UP->DOWN', 'DOWN->UP']);
    // Replaying the run that turned the target DOWN neither re-applies it nor duplicates its event.
    const replay = await recordResult(container, storeTarget('web-d'), results[3] as ProbeResult);
    expect(replay).toMatchObject({ transition: null, stateApplied: false, rollup: 'duplicate' });

    const events = await readEvents(container, 'web-d');
    expect(events.map((e) => `${e.from}->${e.to}`)).toEqual(['DOWN->UP', 'UP->DOWN', 'UNKNOWN->UP']);
    const down = events[1];
    expect(down?.evidence).toHaveLength(3);
    expect(down?.evidence.every((e) => e.status === 'DOWN' && e.failureClass === 'TCP_REFUSED')).toBe(true);
    expect(down?.connectionState).toBe('Pending');
    expect(down?.reason).toMatch(/3 consecutive failure/);

    const [latest] = await readAllLatest(container);
    expect(latest?.record).toMatchObject({
      state: 'UP',
      since: results[6]?.startedAt,
      consecutiveSuccesses: 3,
    });
    expect(latest?.last).toMatchObject({ status: 'UP', at: results[7]?.startedAt });
  });

  it('stores one raw entity per attempt, newest first, with the run-derived key', async () => {
    const container = new Container({ env: sharedEnv(), clock: fixedClock(T0 + 3_600_000) });
    const older = probeResult({
      targetId: 'web-e',
      scheduledAt: new Date(T0),
      status: 'DEGRADED',
      retries: 2,
      tlsDaysLeft: 42,
    });
    const newer = probeResult({ targetId: 'web-e', scheduledAt: new Date(T0 + 60_000), status: 'UP' });
    await recordResult(container, storeTarget('web-e'), older);
    await recordResult(container, storeTarget('web-e'), newer);
    await recordResult(container, storeTarget('web-e'), older);
    const table = await container.table(rawTableLogicalName(new Date(T0)));
    const rows = [];
    for await (const e of table.listEntities({
      queryOptions: { filter: "PartitionKey eq 'web-e_20261031'" },
    }))
      rows.push(e);
    expect(rows.map((r) => [r.runId, r.attempt, r.isFinal])).toEqual([
      [newer.runId, 1, true],
      [older.runId, 1, false],
      [older.runId, 2, false],
      [older.runId, 3, true],
    ]);
    expect(rows[0]?.rowKey?.startsWith(invertedTicks(new Date(T0 + 60_000)))).toBe(true);
    expect(rows[3]).toMatchObject({
      certDaysLeft: 42,
      tlsProtocol: 'TLSv1.3',
      status: 'DEGRADED',
      attemptOk: true,
    });
    expect(rows[1]).toMatchObject({ failureClass: 'TCP_REFUSED', code: 'ECONNREFUSED', attemptOk: false });
    const latest = await container.table(PROBE_TABLES.latest);
    // The newer run had no TLS details: the certificate seen before is kept.
    expect((await latest.getEntity('latest', 'web-e')).certDaysLeft).toBe(42);
  });
});
