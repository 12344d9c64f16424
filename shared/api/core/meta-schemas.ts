import { z } from 'zod';

/*
 * Response schemas of the meta and statistics routes (health, openapi.json, approval/fast-path):
 * what functions/health.ts, openApiDocument.ts and eventFastPath.ts declare as their answers.
 */

const medianDelayMs = (description: string) => z.number().nullable().meta({ description });

export const eventFastPathSchema = z
  .strictObject({
    windowDays: z.number().int(),
    newConnections: z.number().int().meta({
      description: 'Connections that appeared in the window (not those a PLS held when first listed).',
    }),
    byEvent: z.strictObject({
      count: z.number().int(),
      medianDelayMs: medianDelayMs("From the event's time to our receiving it."),
      eventTypes: z.array(z.string()),
      topics: z.array(z.string()),
    }),
    byReconciliation: z.strictObject({
      count: z.number().int(),
      medianDelayMs: medianDelayMs("Since the PLS's previous list: an upper bound of the true delay."),
    }),
    line: z.string().meta({ description: 'The same figures as the reconcile runs log them.' }),
  })
  .meta({ id: 'EventFastPath' });

/** Shapes owned by other features, described loosely so their additions do not break this document. */
// Anonymous callers get status and dependencies (name, up/down) only; readers also get the rest.
export const healthReportSchema = z
  .looseObject({
    status: z.enum(['healthy', 'degraded', 'unhealthy']),
    version: z.string().optional(),
    features: z.record(z.string(), z.unknown()).optional(),
    eventFastPath: eventFastPathSchema
      .optional()
      .meta({ description: 'Readers of a provider app: how new connections arrived.' }),
    dependencies: z.array(
      z.looseObject({
        name: z.string(),
        status: z.enum(['up', 'down', 'skipped']),
        latencyMs: z.number().nullable().optional(),
        reason: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'HealthReport' });

export const openApiDocumentSchema = z
  .looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }) })
  .meta({ id: 'OpenApiDocument' });
