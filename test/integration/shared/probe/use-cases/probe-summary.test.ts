import { HttpRequest, InvocationContext } from '@azure/functions';
import { afterEach, describe, expect, it } from 'vitest';
import { probesSummary } from '../../../../../functions/probesSummary';
import { probesSummarySchema } from '../../../../../shared/api/core/api-schemas';
import { Container, setContainer } from '../../../../../shared/composition-root';
import { rememberRemoteAddress } from '../../../../../shared/http/remote-address';
import type { ResultStatus } from '../../../../../shared/probe/core/types';
import { recordResult } from '../../../../../shared/probe/storage/probe-store';
import { parseBody } from '../../../../helpers/parse-body';
import { probeResult, storeTarget } from '../../../../helpers/probe-results';
import { azuriteConnectionString, uniqueTablePrefix } from '../../../../helpers/storage';

const NOW = Date.parse('2026-11-20T12:30:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

afterEach(() => setContainer(undefined));

describe('GET /api/probes/summary on seeded data', () => {
  it('reports state, last result, availability over 24 h / 7 d / 30 d without maintenance, p50/p95 and certificate days', async () => {
    const env = {
      AzureWebJobsStorage: azuriteConnectionString(),
      TABLE_NAME_PREFIX: uniqueTablePrefix(),
      AUTH_MODE: 'dev',
    };
    // web: one run every 2 hours for 40 days (older ones count only in 30 d when within 30 days).
    // Last 24 h: 12 runs, 3 DOWN, 1 in maintenance (DOWN but excluded) → 8/11.
    const seed: { at: number; status: ResultStatus; maint?: boolean; totalMs: number }[] = [];
    for (let t = NOW - 40 * DAY; t <= NOW; t += 2 * HOUR) {
      const inLast24 = t > NOW - 23 * HOUR - 30 * 60_000;
      const index = seed.length;
      seed.push({
        at: t,
        status: inLast24 ? (index % 4 === 0 ? 'DOWN' : 'UP') : index % 10 === 0 ? 'DOWN' : 'UP',
        maint: inLast24 && index % 4 === 1,
        totalMs: 10 + (index % 7) * 10,
      });
    }
    // One container whose clock follows the seed, so each result is written "at its time".
    let seedNow = 0;
    const c = new Container({ env, clock: { now: () => new Date(seedNow) } });
    for (const s of seed) {
      seedNow = s.at + 60_000;
      await recordResult(
        c,
        storeTarget('web', { failureThreshold: 1, successThreshold: 1 }),
        probeResult({
          targetId: 'web',
          scheduledAt: new Date(s.at),
          status: s.status,
          inMaintenance: s.maint,
          totalMs: s.totalMs,
          tlsDaysLeft: 50,
        }),
      );
    }
    const container = new Container({ env, clock: { now: () => new Date(NOW) } });
    setContainer(container);

    const request = new HttpRequest({ url: 'http://127.0.0.1:7071/api/probes/summary', method: 'GET' });
    // Dev mode serves loopback callers only; the local host records the socket's address like this.
    rememberRemoteAddress(request, '127.0.0.1');
    const response = await probesSummary.handler(request, new InvocationContext());
    expect(response.status).toBe(200);
    const body = await parseBody(probesSummarySchema, response);
    expect(body.targets).toHaveLength(1);
    const web = body.targets[0];

    const window = (fromMs: number) => seed.filter((s) => s.at >= fromMs && !s.maint);
    const avail = (rows: typeof seed) => rows.filter((r) => r.status === 'UP').length / rows.length;
    const hourStart = Math.floor(NOW / HOUR) * HOUR;
    const dayStart = Math.floor(NOW / DAY) * DAY;
    const last = seed[seed.length - 1];
    expect(web?.availability.h24).toBeCloseTo(avail(window(hourStart - 23 * HOUR)), 5);
    expect(web?.availability.d7).toBeCloseTo(avail(window(dayStart - 6 * DAY)), 5);
    expect(web?.availability.d30).toBeCloseTo(avail(window(dayStart - 29 * DAY)), 5);
    expect(web?.runs24h.maintenance).toBe(
      seed.filter((s) => s.at >= hourStart - 23 * HOUR && s.maint).length,
    );
    expect(web?.state).toBe(last?.status);
    expect(web?.lastResult).toMatchObject({ status: last?.status, totalMs: last?.totalMs });
    expect(web?.certificateDaysLeft).toBe(50);
    const ups = window(hourStart - 23 * HOUR)
      .filter((r) => r.status === 'UP')
      .map((r) => r.totalMs)
      .sort((a, b) => a - b);
    expect(web?.latency24h.samples).toBe(ups.length);
    // Within the histogram's bucket precision (±4.5 %).
    const p50 = ups[Math.ceil(0.5 * ups.length) - 1] as number;
    expect(Math.abs((web?.latency24h.p50Ms ?? 0) / p50 - 1)).toBeLessThan(0.05);
    expect(web?.latency24h.maxMs).toBe(Math.max(...ups));
  }, 60_000);

  it('answers 401 without a principal when App Service Authentication is expected', async () => {
    setContainer(
      new Container({
        env: { AzureWebJobsStorage: azuriteConnectionString(), TABLE_NAME_PREFIX: uniqueTablePrefix() },
      }),
    );
    const request = new HttpRequest({ url: 'http://127.0.0.1:7071/api/probes/summary', method: 'GET' });
    // Dev mode serves loopback callers only; the local host records the socket's address like this.
    rememberRemoteAddress(request, '127.0.0.1');
    const response = await probesSummary.handler(request, new InvocationContext());
    expect(response.status).toBe(401);
    expect((response.headers as Record<string, string>)['content-type']).toBe('application/problem+json');
  });

  it('with an objective, a poll later in the same minute gets 304: burn rates are taken at the start of the minute', async () => {
    const env = {
      AzureWebJobsStorage: azuriteConnectionString(),
      TABLE_NAME_PREFIX: uniqueTablePrefix(),
      AUTH_MODE: 'dev',
      PROBE_TARGETS: JSON.stringify([{ id: 'edge', url: 'http://127.0.0.1/', slo: { availability: 99 } }]),
    };
    // DOWN 11:35-11:54, UP 11:55-12:29: the 1 h window's edge cuts the 11:00 hour, whose DOWN runs
    // then count in proportion to how much of the hour is still inside the window.
    let now = NOW - 60 * 60_000;
    const container = new Container({ env, clock: { now: () => new Date(now) } });
    for (let m = 35; m < 90; m++) {
      const at = NOW - 90 * 60_000 + m * 60_000;
      now = at + 5_000;
      await recordResult(
        container,
        storeTarget('edge', { failureThreshold: 1, successThreshold: 1 }),
        probeResult({ targetId: 'edge', scheduledAt: new Date(at), status: m < 55 ? 'DOWN' : 'UP' }),
      );
    }
    setContainer(container);
    const poll = async (at: number, etag?: string) => {
      now = at;
      const request = new HttpRequest({
        url: 'http://127.0.0.1:7071/api/probes/summary',
        method: 'GET',
        headers: etag === undefined ? {} : { 'if-none-match': etag },
      });
      rememberRemoteAddress(request, '127.0.0.1');
      return probesSummary.handler(request, new InvocationContext());
    };
    const first = await poll(NOW + 10_000);
    expect(first.status).toBe(200);
    const body = await parseBody(probesSummarySchema, first);
    // 20 DOWN of 55 runs in the last hour's rollups, weighted by the window's overlap: burning.
    expect(body.targets[0]?.budget?.burn[0]?.longBurn).toBeGreaterThan(1);
    const etag = (first.headers as Record<string, string>).etag;
    expect(etag).toBeTruthy();
    expect((await poll(NOW + 50_000, etag)).status).toBe(304);
  }, 60_000);
});
