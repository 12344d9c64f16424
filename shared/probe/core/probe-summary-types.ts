/*
 * The body of GET /api/probes/summary as one schema: the use case builds it, the OpenAPI document
 * describes it, tests parse it, and the dashboard's browser code imports the inferred types only
 * (type imports are erased from its bundle).
 */
import { z } from 'zod';

const nullableNumber = z.number().nullable();
const nullableString = z.string().nullable();
const count = z.number().int();

export const targetSummarySchema = z
  .strictObject({
    id: z.string(),
    displayName: nullableString,
    url: nullableString,
    state: z.enum(['UP', 'DEGRADED', 'DOWN', 'UNKNOWN']),
    since: nullableString,
    consecutiveFailures: count,
    consecutiveSuccesses: count,
    lastResult: z.strictObject({
      status: nullableString,
      class: nullableString,
      phase: nullableString,
      code: nullableString,
      statusCode: nullableNumber,
      totalMs: nullableNumber,
      at: nullableString,
      reason: nullableString,
      inMaintenance: z.boolean(),
      connectionState: nullableString,
    }),
    availability: z
      .strictObject({ h24: nullableNumber, d7: nullableNumber, d30: nullableNumber })
      .meta({ description: 'Maintenance excluded; null when no run in the window was judged.' }),
    latency24h: z.strictObject({
      p50Ms: nullableNumber,
      p95Ms: nullableNumber,
      maxMs: nullableNumber,
      samples: count,
    }),
    runs24h: z.strictObject({ count, up: count, degraded: count, down: count, maintenance: count }),
    certificateDaysLeft: nullableNumber,
    certificateNotAfter: nullableString,
  })
  .meta({ id: 'TargetSummary' });

export const probesSummarySchema = z
  .strictObject({
    generatedAt: z.string(),
    targets: z.array(targetSummarySchema),
    targetsProblem: z
      .strictObject({
        message: z.string(),
        issues: z.array(z.strictObject({ path: z.string(), message: z.string() })),
        issueCount: count,
      })
      .optional()
      .meta({
        description:
          'Set when the configured targets do not load: nothing new is probed, and `targets` holds only what was probed before.',
      }),
  })
  .meta({ id: 'ProbesSummary' });

export type TargetSummary = z.output<typeof targetSummarySchema>;
export type ProbesSummary = z.output<typeof probesSummarySchema>;
