/*
 * The core loop of `npm run bench:latency` at a CI-fast scale: five services, a few arrivals, no
 * Event Grid event, and the reconciliation timer moved out of the way (its startup run happens before
 * the arrivals; its next tick is a year away), so only the "what is new" pass can decide an arrival.
 * The figures themselves are not asserted (timings belong to the bench); the shape of the report is.
 */
import { describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { runLatencyScale, WATCH_FUNCTION } from '../../../bench/latency';

const nullableNumber = z.number().nonnegative().nullable();
const count = z.number().int().nonnegative();
const reportSchema = z
  .object({
    mode: z.enum(['watch', 'baseline']),
    services: z.literal(5),
    subscriptions: z.literal(1),
    discovery: z.enum(['static', 'resourceGraph']),
    watchPass: z.boolean(),
    schedules: z.record(z.string(), z.string()),
    warmupSeconds: z.number().nonnegative(),
    warmupComplete: z.boolean(),
    measuredSeconds: z.number().positive(),
    arrivals: count,
    decided: count,
    approved: count,
    rejected: count,
    neverDecided: count,
    latencySeconds: z.object({ p50: nullableNumber, p95: nullableNumber, max: nullableNumber }).strict(),
    reads: z.object({ armGets: count, graphQueries: count, total: count }).strict(),
    readsPerMinute: z.number().nonnegative(),
    passReadsPerMinute: nullableNumber,
    armWrites: count,
    throttled429: z
      .object({
        armBuckets: count,
        nrp: count,
        graph: count,
        total: count,
        byRoute: z.record(z.string(), count),
      })
      .strict(),
    pass: z
      .object({
        functionName: z.string(),
        ticks: count,
        idleTickP50Ms: nullableNumber,
        passes: count,
        failedPasses: count,
        p50Ms: nullableNumber,
        p95Ms: nullableNumber,
        maxMs: nullableNumber,
        source: z.enum(['arm', 'graph']).nullable(),
        periodSeconds: nullableNumber,
        reads: nullableNumber,
      })
      .strict(),
    invocations: z
      .object({ timer: z.record(z.string(), count), queue: count, failed: count, skipped: count })
      .strict(),
  })
  .strict();

describe('bench:latency core loop', () => {
  it('decides a new connection with no event through the watch pass, and reports every figure', async () => {
    const report = await runLatencyScale({
      services: 5,
      mode: 'watch',
      arrivalsPerMinute: 60,
      arrivalSeconds: 4,
      maxArrivals: 3,
      drainSeconds: 30,
      warmupLimitSeconds: 20,
      // Seeded: this seed draws three arrivals inside the window (at 1.2, 2.7 and 2.9 s).
      seed: 5,
      azuriteConnectionString: inject('azuriteConnectionString'),
      env: { RECONCILE_SCHEDULE: '0 0 0 1 1 *' },
    });

    expect(reportSchema.parse(report)).toEqual(report);
    expect(report.watchPass).toBe(true);
    expect(report.arrivals).toBeGreaterThan(0);
    expect(report.decided).toBe(report.arrivals);
    expect(report.neverDecided).toBe(0);
    expect(report.approved + report.rejected).toBe(report.decided);
    // The reconciliation timer never ticked while the arrivals waited: the watch pass found them.
    expect(report.invocations.timer.reconcileConnections ?? 0).toBe(0);
    expect(report.invocations.timer[WATCH_FUNCTION] ?? 0).toBeGreaterThan(0);
    expect(report.pass.functionName).toBe(WATCH_FUNCTION);
    expect(report.pass.passes).toBeGreaterThan(0);
    expect(report.pass.source).toBe('arm');
    // The pass's own reads are part of what the emulator answered.
    expect(report.pass.reads).toBeGreaterThan(0);
    expect(report.pass.reads ?? 0).toBeLessThanOrEqual(report.reads.total);
    expect(report.latencySeconds.p95).not.toBeNull();
    expect(report.reads.total).toBe(report.reads.armGets + report.reads.graphQueries);
    expect(report.throttled429.total).toBe(0);
  }, 90_000);
});
