/*
 * A probe state-change event as every reader sees it: the events table's row, the dashboard's
 * incident timeline and the OpenAPI document all use this one schema and the type inferred from it.
 */
import { z } from 'zod';

const nullableNumber = z.number().nullable();
const nullableString = z.string().nullable();

export const evidenceSchema = z
  .looseObject({
    runId: z.string(),
    scheduledAt: z.string(),
    startedAt: z.string(),
    status: z.enum(['UP', 'DEGRADED', 'DOWN']),
    failureClass: nullableString,
    phase: nullableString,
    code: nullableString,
    statusCode: nullableNumber,
    totalMs: z.number(),
    attempts: z.number().int(),
    reason: nullableString,
    connectionState: nullableString,
  })
  .meta({ id: 'ProbeEvidence', description: 'One probe result that led to a state change.' });

export const probeEventSchema = z
  .strictObject({
    targetId: z.string(),
    displayName: nullableString,
    at: z.string(),
    from: z.string().meta({ description: 'UNKNOWN, UP, DEGRADED or DOWN.' }),
    to: z.string(),
    reason: z.string(),
    runId: z.string(),
    connectionState: nullableString.meta({
      description: 'The PLS connection state when it explains the failure.',
    }),
    evidence: z.array(evidenceSchema),
  })
  .meta({ id: 'ProbeEvent' });

export type ProbeEvent = z.output<typeof probeEventSchema>;
