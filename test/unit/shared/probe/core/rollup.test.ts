import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bucketBounds,
  bucketOf,
  bucketValue,
  decodeHistogram,
  encodeHistogram,
  exactPercentile,
  OVERFLOW_BUCKET,
  percentile,
} from '../../../../../shared/probe/core/percentiles';
import {
  availability,
  mergeRollups,
  metricPercentile,
  rollupColumns,
  rollupFromEntity,
  rollupOf,
} from '../../../../../shared/probe/core/rollup';
import { probeResult } from '../../../../helpers/probe-results';

const T0 = Date.parse('2026-11-03T10:00:00Z');

describe('latency histogram', () => {
  it('puts every value in the bucket whose bounds contain it', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 200_000, noNaN: true }), (ms) => {
        const { lower, upper } = bucketBounds(bucketOf(ms));
        expect(ms >= lower && ms < upper).toBe(true);
      }),
    );
  });

  it('reports a percentile as the bucket value of the exact nearest-rank percentile (within ±4.5 %)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.5, max: 59_000, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(0.5, 0.95, 0.99),
        (values, p) => {
          const histogram = decodeHistogram('');
          for (const v of values) histogram.set(bucketOf(v), (histogram.get(bucketOf(v)) ?? 0) + 1);
          const exact = exactPercentile(values, p) as number;
          const max = Math.max(...values);
          const reported = percentile(histogram, p, max) as number;
          expect(reported).toBe(Math.min(bucketValue(bucketOf(exact)), max));
          expect(Math.abs(reported / exact - 1)).toBeLessThan(0.045);
        },
      ),
    );
  });

  it('round-trips through its compact text and keeps out-of-range values', () => {
    const histogram = decodeHistogram('');
    for (const v of [0, 0.3, 1, 1, 250, 70_000])
      histogram.set(bucketOf(v), (histogram.get(bucketOf(v)) ?? 0) + 1);
    const text = encodeHistogram(histogram);
    expect(decodeHistogram(text)).toEqual(histogram);
    expect(histogram.get(0)).toBe(2);
    expect(histogram.get(OVERFLOW_BUCKET)).toBe(1);
    expect(decodeHistogram('x:1,3:-2,4:2')).toEqual(new Map([[4, 2]]));
  });
});

describe('rollup', () => {
  const results = [
    probeResult({ scheduledAt: new Date(T0), status: 'UP', totalMs: 10 }),
    probeResult({ scheduledAt: new Date(T0 + 60_000), status: 'DEGRADED', totalMs: 900, retries: 1 }),
    probeResult({
      scheduledAt: new Date(T0 + 120_000),
      status: 'DOWN',
      failureClass: 'TCP_TIMEOUT',
      totalMs: 3000,
    }),
    probeResult({ scheduledAt: new Date(T0 + 180_000), status: 'DOWN', inMaintenance: true }),
    probeResult({ scheduledAt: new Date(T0 + 240_000), status: 'UP', totalMs: 20, dnsMs: 1.5 }),
  ];

  it('counts maintenance apart and keeps it out of availability, classes and latency', () => {
    const rollup = rollupOf(results);
    expect(rollup).toMatchObject({ count: 5, up: 2, degraded: 1, down: 1, maintenance: 1 });
    expect(rollup.errors.TCP_TIMEOUT).toBe(1);
    expect(rollup.errors.TCP_REFUSED).toBe(0);
    expect(availability(rollup)).toBeCloseTo(3 / 4);
    expect(rollup.metrics.total.n).toBe(3);
    expect(rollup.metrics.total.maxMs).toBe(900);
    expect(rollup.metrics.dns.n).toBe(1);
    expect(rollup.metrics.tls.n).toBe(0);
  });

  it('merges exactly: the rollup of a union equals the merge of the rollups', () => {
    const merged = mergeRollups([rollupOf(results.slice(0, 2)), rollupOf(results.slice(2))]);
    expect(merged).toEqual(rollupOf(results));
  });

  it('survives its stored columns', () => {
    const rollup = rollupOf(results);
    const back = rollupFromEntity(
      Object.fromEntries(
        Object.entries(rollupColumns(rollup)).map(([k, v]) => [
          k,
          typeof v === 'object' && v !== null && 'value' in v ? v.value : v,
        ]),
      ),
    );
    expect(back.count).toBe(rollup.count);
    expect(back.errors).toEqual(rollup.errors);
    expect(back.metrics.total.histogram).toEqual(rollup.metrics.total.histogram);
    expect(metricPercentile(back, 'total', 0.95)).toBe(metricPercentile(rollup, 'total', 0.95));
  });

  it('counts failures while the PLS connection is not Approved apart, out of availability and failure classes', () => {
    const waiting = [
      ...results,
      probeResult({ scheduledAt: new Date(T0 + 300_000), status: 'DOWN', connectionState: 'Pending' }),
      probeResult({ scheduledAt: new Date(T0 + 360_000), status: 'DOWN', connectionState: 'Rejected' }),
      // A success never "waits": the label only explains failures.
      probeResult({ scheduledAt: new Date(T0 + 420_000), status: 'UP', connectionState: null }),
    ];
    const rollup = rollupOf(waiting);
    expect(rollup).toMatchObject({ count: 8, up: 3, degraded: 1, down: 1, maintenance: 1, notApproved: 2 });
    expect(rollup.count).toBe(
      rollup.up + rollup.degraded + rollup.down + rollup.maintenance + rollup.notApproved,
    );
    expect(rollup.errors.TCP_REFUSED).toBe(0);
    expect(availability(rollup)).toBeCloseTo(4 / 5);
    expect(mergeRollups([rollupOf(waiting.slice(0, 6)), rollupOf(waiting.slice(6))])).toEqual(rollup);
    const back = rollupFromEntity(
      Object.fromEntries(
        Object.entries(rollupColumns(rollup)).map(([k, v]) => [
          k,
          typeof v === 'object' && v !== null && 'value' in v ? v.value : v,
        ]),
      ),
    );
    expect(back.notApproved).toBe(2);
    // Only waiting: nothing was judged, so there is no availability (not 0 %).
    expect(availability(rollupOf(waiting.slice(5, 7)))).toBeNull();
  });

  it('has no availability without judged runs', () => {
    expect(availability(rollupOf([results[3] as never]))).toBeNull();
  });
});
