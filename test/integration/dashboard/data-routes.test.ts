import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { LocalHost } from '../../../scripts/local-host/local-host';
import { probesSummarySchema, problemSchema } from '../../../shared/api/core/api-schemas';
import { Container, setContainer } from '../../../shared/composition-root';
import {
  meSchema,
  probeEventListSchema,
  probeSeriesSchema,
  type seriesPointSchema,
} from '../../../shared/dashboard/core/dashboard-schemas';
import { planRange } from '../../../shared/dashboard/core/series-ranges';
import { serveHttpFunctions } from '../../helpers/http-functions';
import { parseBody } from '../../helpers/parse-body';
import { principalHeader, type Role } from '../../helpers/principals';
import {
  DEGRADED_TARGET_INDEX,
  DOWN_TARGET_INDEX,
  expectedCounts,
  type SeedReport,
  seededTargetId,
  seedProbeData,
} from '../../helpers/seed-probe-data';
import { azuriteConnectionString, uniqueTablePrefix } from '../../helpers/storage';
import { startTableTraffic, type TableTraffic } from '../../helpers/table-traffic';

/**
 * The dashboard's data routes over real HTTP against Azurite holding a month of 1-minute results
 * for 10 targets (test/helpers/seed-probe-data.ts). Table traffic goes through a counting proxy,
 * so "which tables, how many entities" is observed on the wire.
 */

let host: LocalHost;
let traffic: TableTraffic;
let seed: SeedReport;
let prefix: string;

beforeAll(async () => {
  traffic = await startTableTraffic(azuriteConnectionString());
  prefix = uniqueTablePrefix();
  // Seeded straight into Azurite; the app reads through the counting proxy.
  const env = { TABLE_NAME_PREFIX: prefix, AUTH_MODE: 'easyauth' };
  seed = await seedProbeData(
    new Container({ env: { ...env, AzureWebJobsStorage: azuriteConnectionString() } }),
  );
  setContainer(new Container({ env: { ...env, AzureWebJobsStorage: traffic.connectionString } }));
  host = await serveHttpFunctions();
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await traffic?.stop();
  setContainer(undefined);
});

async function get<S extends z.ZodType>(
  schema: S,
  path: string,
  as: Role | 'anonymous' = 'reader',
): Promise<{ status: number; body: z.output<S>; headers: Headers }> {
  const response = await fetch(`${host.url}/api/${path}`, {
    headers: as === 'anonymous' ? {} : { 'x-ms-client-principal': principalHeader(as) },
  });
  return { status: response.status, body: await parseBody(schema, response), headers: response.headers };
}

function sum(points: readonly Point[], field: 'runs' | 'up' | 'down'): number {
  return points.reduce((n, p) => n + p[field], 0);
}

type Point = z.output<typeof seriesPointSchema>;

const DOWN_ID = seededTargetId(DOWN_TARGET_INDEX);

describe('GET /api/probes/{target}/series', () => {
  it('30d reads 30 daily rollups (and no raw row), with every run of each day counted', async () => {
    traffic.reset();
    const { status, body } = await get(probeSeriesSchema, `probes/${DOWN_ID}/series?range=30d`);
    const reads = traffic.snapshot();
    expect(status).toBe(200);
    expect(body).toMatchObject({ source: 'day', bucketSeconds: 86_400, range: '30d' });
    expect(body.points).toHaveLength(30);
    // The route's own window (its clock has moved on since seeding).
    const expected = expectedCounts(seed, DOWN_ID, new Date(body.from), new Date(body.to));
    expect(sum(body.points, 'runs')).toBe(expected.runs);
    expect(sum(body.points, 'down')).toBe(expected.down);
    // Every full day holds 1,440 runs.
    for (const p of body.points.slice(0, 29)) expect(p.runs).toBe(1440);
    const failures: Record<string, number> = {};
    for (const p of body.points)
      for (const [c, n] of Object.entries(p.failures)) failures[c] = (failures[c] ?? 0) + (n ?? 0);
    expect(failures).toEqual(expected.failures);
    // Rollups and one point read of the latest row, nothing else.
    expect(Object.keys(reads.byTable).some((t) => t.includes('ProbeResults'))).toBe(false);
    expect(reads.entities).toBeLessThanOrEqual(31);
    expect(reads.byTable[`${prefix}ProbeRollups`]?.entities).toBe(30);
  });

  it('7d and 24h read hourly rollups; 1h and 6h read raw rows only, bucketed by 1 and 5 minutes', async () => {
    for (const [range, source, buckets, bucketSeconds] of [
      ['7d', 'hour', 168, 3600],
      ['24h', 'hour', 24, 3600],
      ['6h', 'raw', 72, 300],
      ['1h', 'raw', 60, 60],
    ] as const) {
      traffic.reset();
      const { status, body } = await get(probeSeriesSchema, `probes/probe-01/series?range=${range}`);
      const reads = traffic.snapshot();
      expect(status, range).toBe(200);
      expect(body, range).toMatchObject({ source, bucketSeconds });
      expect(body.points, range).toHaveLength(buckets);
      const plan = planRange(range, new Date(body.generatedAt));
      expect([body.from, body.to], range).toEqual([plan.from.toISOString(), plan.to.toISOString()]);
      expect(sum(body.points, 'runs'), range).toBe(expectedCounts(seed, 'probe-01', plan.from, plan.to).runs);
      const rawTables = Object.keys(reads.byTable).filter((t) => t.includes('ProbeResults'));
      if (source === 'raw') expect(rawTables.length, range).toBeGreaterThan(0);
      else expect(rawTables, range).toEqual([]);
    }
  });

  it('raw buckets agree with the hourly rollup of the same hour (two sources, one truth)', async () => {
    const [raw, hourly] = await Promise.all([
      get(probeSeriesSchema, 'probes/probe-02/series?range=6h'),
      get(probeSeriesSchema, 'probes/probe-02/series?range=24h'),
    ]);
    // The hour that ended two hours ago is complete in both.
    const hourStart = new Date(
      Math.floor(seed.now.getTime() / 3_600_000) * 3_600_000 - 2 * 3_600_000,
    ).toISOString();
    const fromRollup = hourly.body.points.find((p) => p.start === hourStart);
    if (fromRollup === undefined) throw new Error(`no hourly bucket starting ${hourStart}`);
    const rawPoints = raw.body.points.filter(
      (p) =>
        Date.parse(p.start) >= Date.parse(hourStart) &&
        Date.parse(p.start) < Date.parse(hourStart) + 3_600_000,
    );
    expect(rawPoints).toHaveLength(12);
    expect(sum(rawPoints, 'runs')).toBe(fromRollup.runs);
    expect(sum(rawPoints, 'up')).toBe(fromRollup.up);
    expect(sum(rawPoints, 'down')).toBe(fromRollup.down);
  });

  it('stacks phase means that add up to (about) the mean total, and marks the ongoing outage by class', async () => {
    const { body } = await get(probeSeriesSchema, 'probes/probe-01/series?range=24h');
    const full = body.points.filter((p) => p.runs === 60 && p.down === 0);
    expect(full.length).toBeGreaterThan(10);
    for (const p of full) {
      const stacked = Object.values(p.phasesMeanMs).reduce((n: number, v) => n + (v ?? 0), 0);
      // The total also holds ~0.25 ms of the probe's own work outside the phases.
      expect(Math.abs((p.totalMeanMs ?? Number.NaN) - stacked)).toBeLessThan(0.5);
      expect(p.totalP50Ms).not.toBeNull();
      expect(p.totalP95Ms).toBeGreaterThanOrEqual(p.totalP50Ms ?? Number.POSITIVE_INFINITY);
    }
    const down = await get(probeSeriesSchema, `probes/${DOWN_ID}/series?range=1h`);
    const marked = down.body.points.filter((p) => (p.failures.TCP_TIMEOUT ?? 0) > 0);
    expect(marked.length).toBeGreaterThanOrEqual(24);
    expect(marked.every((p) => p.phasesMeanMs.ttfb === null)).toBe(true);
  });

  it('answers 404 for an unknown target and 400 for a bad range or id, as problem+json naming the field', async () => {
    const unknown = await get(problemSchema, 'probes/no-such-target/series');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('not_found');
    const badRange = await get(problemSchema, 'probes/probe-01/series?range=2d');
    expect(badRange.status).toBe(400);
    expect(badRange.body.errors?.[0]?.path).toBe('query.range');
    const extra = await get(problemSchema, 'probes/probe-01/series?range=1h&bucket=5');
    expect(extra.status).toBe(400);
    const badId = await get(problemSchema, `probes/${encodeURIComponent('bad id!')}/series`);
    expect(badId.status).toBe(400);
    expect(badId.body.errors?.[0]?.path).toBe('path.target');
  });
});

describe('GET /api/probes/events', () => {
  it('lists state changes newest first with their evidence; the ongoing outage leads with its TCP_TIMEOUT runs', async () => {
    const { status, body } = await get(probeEventListSchema, 'probes/events?limit=500');
    expect(status).toBe(200);
    const times = body.items.map((e) => e.at);
    expect([...times].sort().reverse()).toEqual(times);
    const outage = body.items.find((e) => e.targetId === DOWN_ID && e.to === 'DOWN');
    expect(outage?.from).toBe('UP');
    expect(outage?.evidence.length).toBeGreaterThanOrEqual(3);
    expect(outage?.evidence.every((r) => r.failureClass === 'TCP_TIMEOUT')).toBe(true);
    const degraded = body.items.find(
      (e) => e.targetId === seededTargetId(DEGRADED_TARGET_INDEX) && e.to === 'DEGRADED',
    );
    expect(degraded).toBeDefined();
    // Every target's past outage went DOWN and came back UP.
    for (const t of seed.targets)
      expect(
        body.items.some((e) => e.targetId === t.id && e.to === 'DOWN'),
        t.id,
      ).toBe(true);
  });

  it('filters by target and time, and says when the limit cut the list', async () => {
    const one = await get(probeEventListSchema, `probes/events?target=${DOWN_ID}`);
    expect(one.body.items.length).toBeGreaterThan(0);
    expect(one.body.items.every((e) => e.targetId === DOWN_ID)).toBe(true);
    const to = new Date(seed.now.getTime() - 86_400_000).toISOString();
    const older = await get(probeEventListSchema, `probes/events?to=${encodeURIComponent(to)}&limit=500`);
    expect(older.body.items.every((e) => e.at <= to)).toBe(true);
    const cut = await get(probeEventListSchema, 'probes/events?limit=2');
    expect(cut.body.items).toHaveLength(2);
    expect(cut.body.truncated).toBe(true);
    const reversed = await get(
      problemSchema,
      `probes/events?from=${encodeURIComponent(seed.now.toISOString())}&to=${encodeURIComponent(to)}`,
    );
    expect(reversed.status).toBe(400);
  });
});

describe('authorisation and the summary on the same data', () => {
  it('needs a principal with the reader role on every data route; /me tells approvers apart', async () => {
    for (const path of ['probes/probe-01/series', 'probes/events', 'me']) {
      expect((await get(problemSchema, path, 'anonymous')).status, path).toBe(401);
      expect((await get(problemSchema, path, 'none')).status, path).toBe(403);
    }
    const reader = await get(meSchema, 'me', 'reader');
    expect(reader.body.permissions).toEqual({ read: true, approve: false });
    const approver = await get(meSchema, 'me', 'approver');
    expect(approver.body.permissions).toEqual({ read: true, approve: true });
    expect(approver.body.name).toBe('approver@contoso.example');
  });

  it('the summary shows the seeded states, from rollups and latest rows only', async () => {
    traffic.reset();
    const { status, body } = await get(probesSummarySchema, 'probes/summary');
    const reads = traffic.snapshot();
    expect(status).toBe(200);
    const states = Object.fromEntries(body.targets.map((t) => [t.id, t.state]));
    expect(states).toEqual(Object.fromEntries(seed.targets.map((t) => [t.id, t.expectedState])));
    expect(Object.keys(reads.byTable).some((t) => t.includes('ProbeResults'))).toBe(false);
  });
});
