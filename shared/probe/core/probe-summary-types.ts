/*
 * The body of GET /api/probes/summary as one schema: the use case builds it, the OpenAPI document
 * describes it, tests parse it, and the dashboard's browser code imports the inferred types only
 * (type imports are erased from its bundle).
 */
import { z } from 'zod';

const nullableNumber = z.number().nullable();
const nullableString = z.string().nullable();
const count = z.number().int();

/**
 * What a person should read from a target at a glance. `down` is a real failure; the connection
 * conditions are the target DOWN because its PLS connection is not Approved (waiting for the
 * provider, rejected, or gone), and `maintenance` its latest run inside a maintenance window.
 */
export const TARGET_CONDITIONS = [
  'up',
  'degraded',
  'down',
  'unknown',
  'maintenance',
  'awaiting-approval',
  'rejected',
  'not-connected',
] as const;
export type TargetCondition = (typeof TARGET_CONDITIONS)[number];

const runCounts = {
  count,
  up: count,
  degraded: count,
  down: count,
  maintenance: count,
  notApproved: count,
};

export const targetSummarySchema = z
  .strictObject({
    id: z.string(),
    displayName: nullableString,
    url: nullableString,
    state: z.enum(['UP', 'DEGRADED', 'DOWN', 'UNKNOWN']),
    condition: z.enum(TARGET_CONDITIONS).meta({
      description:
        '`state` read for people: `awaiting-approval`, `rejected` and `not-connected` are a DOWN caused by the PLS connection not being Approved; `maintenance`: the latest run was in a maintenance window.',
    }),
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
    availability: z.strictObject({ h24: nullableNumber, d7: nullableNumber, d30: nullableNumber }).meta({
      description:
        'Maintenance and runs failing while the PLS connection was not Approved are excluded; null when no run in the window was judged.',
    }),
    latency24h: z.strictObject({
      p50Ms: nullableNumber,
      p95Ms: nullableNumber,
      maxMs: nullableNumber,
      samples: count,
    }),
    runs24h: z.strictObject(runCounts),
    history24h: z.array(z.strictObject({ start: z.string(), ...runCounts })).meta({
      description: 'The last 24 hours, one entry per UTC hour (oldest first, the current hour last).',
    }),
    certificateDaysLeft: nullableNumber,
    certificateNotAfter: nullableString,
    budget: z
      .strictObject({
        windowDays: z.number().int(),
        usedPercent: nullableNumber,
        remainingPercent: nullableNumber,
      })
      .optional()
      .meta({
        description:
          "The error budget of the target's `slo` over its window (daily rollups, today included); absent without an objective (docs/probe.md#objectives-and-error-budgets).",
      }),
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
