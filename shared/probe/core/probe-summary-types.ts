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
        objective: z.strictObject({
          availabilityPercent: z.number(),
          latencyMs: nullableNumber,
          latencyTargetPercent: z.number(),
        }),
        availabilityPercent: nullableNumber.meta({
          description: 'Share of the counted runs in the window not DOWN; null without counted runs.',
        }),
        objectiveMet: z.boolean().nullable(),
        runs: z
          .strictObject({
            counted: count,
            down: count,
            allowedDown: z.number(),
            maintenance: count,
            notApproved: count,
            excludedPercent: nullableNumber,
          })
          .meta({
            description:
              "The window's runs: `counted` (judged against the service) of which `down`; `allowedDown` = counted × (1 - availability); `maintenance` and `notApproved` are left out (the rule in docs/probe.md), `excludedPercent` their share of all runs (runs are evenly spaced: about the share of time).",
          }),
        latency: z.strictObject({
          withinObjectivePercent: nullableNumber,
          objectiveMet: z.boolean().nullable(),
        }),
        burn: z
          .array(
            z.strictObject({
              rule: z.enum(['page-fast', 'page-slow', 'ticket']),
              severity: z.enum(['page', 'ticket']),
              threshold: z.number(),
              longMinutes: count,
              shortMinutes: count,
              longBurn: nullableNumber,
              shortBurn: nullableNumber,
              firing: z.boolean(),
              alertSince: nullableString,
            }),
          )
          .meta({
            description:
              'The burn-rate rules now: burn over the long and the short window (null: infinite), `firing` when both reach `threshold`; `alertSince`: the start of the episode the last `slo.burn` notice told as fired (null while quiet).',
          }),
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
