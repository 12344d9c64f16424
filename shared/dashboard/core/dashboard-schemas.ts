/*
 * Input and output schemas of the dashboard's JSON routes. The handlers parse with them and the
 * OpenAPI document (from the HTTP definitions in functions/) is generated from them.
 */
import { z } from 'zod';
import { probeEventSchema } from '../../probe/core/probe-event';
import { FAILURE_CLASSES } from '../../probe/core/types';
import { SERIES_RANGES } from './series-ranges';

export const MAX_EVENTS = 500;
export const DEFAULT_EVENTS = 100;
export const DEFAULT_EVENT_DAYS = 30;
export const MAX_EVENT_RANGE_DAYS = 366;

// The probe targets file's own rule for ids (shared/probe/adapters/targets.ts).
const TARGET_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const targetId = z
  .string()
  .regex(
    TARGET_ID,
    'expected a probe target id (1-64 letters, digits, . _ -; starting with a letter or digit)',
  )
  .meta({ description: 'A probe target id as in the targets file.' });

export const seriesParamsSchema = z.object({ target: targetId }).strict();

export const seriesQuerySchema = z
  .object({
    range: z
      .enum(SERIES_RANGES, { error: `expected one of ${SERIES_RANGES.join(', ')}` })
      .default('24h')
      .meta({
        description:
          'How far back: 1h and 6h read raw results (1-minute and 5-minute buckets), 24h and 7d hourly rollups, 30d daily rollups. Default 24h.',
      }),
  })
  .strict();

const isoDateTime = (what: string) =>
  z.iso
    .datetime({ offset: true, error: 'expected an ISO 8601 date-time, e.g. 2026-03-01T00:00:00Z' })
    .meta({ description: what });

export const eventsQuerySchema = z
  .object({
    target: targetId.optional(),
    from: isoDateTime(`Oldest time included (default: ${DEFAULT_EVENT_DAYS} days before \`to\`).`).optional(),
    to: isoDateTime('Newest time included (default: now).').optional(),
    limit: z
      .string()
      .regex(/^\d{1,4}$/, 'expected a whole number')
      .transform(Number)
      .pipe(z.number().int().min(1, 'expected at least 1').max(MAX_EVENTS, `expected at most ${MAX_EVENTS}`))
      .meta({ description: `Most events returned, 1-${MAX_EVENTS} (default ${DEFAULT_EVENTS}).` })
      .optional(),
  })
  .strict();

const nullableNumber = z.number().nullable();
const nullableString = z.string().nullable();

export const seriesPointSchema = z
  .strictObject({
    start: z.string().meta({ description: 'Start of the bucket (UTC); the bucket lasts `bucketSeconds`.' }),
    runs: z.number().int(),
    up: z.number().int(),
    degraded: z.number().int(),
    down: z.number().int(),
    maintenance: z.number().int(),
    notApproved: z.number().int().meta({
      description: 'DOWN runs while the PLS connection was not Approved (waiting, rejected, missing).',
    }),
    availability: nullableNumber.meta({
      description: '(up + degraded) / (up + degraded + down); maintenance and notApproved excluded.',
    }),
    phasesMeanMs: z
      .strictObject({
        dns: nullableNumber,
        tcp: nullableNumber,
        tls: nullableNumber,
        ttfb: nullableNumber,
        transfer: nullableNumber,
      })
      .meta({
        description:
          'Mean of each phase over successful runs; the phases stack up to (about) the mean total.',
      }),
    totalMeanMs: nullableNumber,
    totalP50Ms: nullableNumber,
    totalP95Ms: nullableNumber,
    totalMaxMs: nullableNumber,
    failures: z
      .partialRecord(z.enum(FAILURE_CLASSES), z.number().int())
      .meta({ description: 'DOWN runs outside maintenance by failure class (only classes that occurred).' }),
  })
  .meta({ id: 'ProbeSeriesPoint' });

export const probeSeriesSchema = z
  .strictObject({
    target: z.strictObject({ id: z.string(), displayName: nullableString }),
    range: z.enum(SERIES_RANGES),
    source: z
      .enum(['raw', 'hour', 'day'])
      .meta({ description: 'What was read: raw results, hourly or daily rollups.' }),
    bucketSeconds: z.number().int(),
    from: z.string(),
    to: z
      .string()
      .meta({ description: 'End of the range (exclusive): the end of the bucket holding the current time.' }),
    generatedAt: z.string(),
    points: z
      .array(seriesPointSchema)
      .meta({ description: 'Every bucket of the range, oldest first; empty buckets have runs = 0.' }),
  })
  .meta({ id: 'ProbeSeries' });

export const probeEventListSchema = z
  .strictObject({
    from: z.string(),
    to: z.string(),
    items: z.array(probeEventSchema).meta({ description: 'Newest first.' }),
    truncated: z.boolean().meta({ description: 'More events fall in the range than `limit`.' }),
  })
  .meta({ id: 'ProbeEventList' });

export const meSchema = z
  .strictObject({
    name: z.string(),
    objectId: z.string(),
    tenantId: nullableString,
    identityProvider: z.string(),
    roles: z.array(z.string()),
    permissions: z.strictObject({ read: z.boolean(), approve: z.boolean() }),
    authMode: z.enum(['easyauth', 'dev']),
  })
  .meta({
    id: 'Me',
    description:
      'The calling principal and what it may do (the dashboard shows approve/reject only when `approve`).',
  });

export type SeriesQuery = z.output<typeof seriesQuerySchema>;
export type EventsQuery = z.output<typeof eventsQuerySchema>;
export type Me = z.output<typeof meSchema>;
