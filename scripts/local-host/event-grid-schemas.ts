import { z } from 'zod';

/** RFC 3339 date-time as Event Grid and CloudEvents send it (any fraction length, Z or an offset). */
const dateTime = z
  .string()
  .refine(
    (v) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(v) &&
      !Number.isNaN(Date.parse(v)),
    'expected an RFC 3339 date-time such as 2025-01-31T12:00:00Z',
  );

/** One event in the Event Grid schema, as Event Grid delivers it; unknown extra fields are kept. */
export const eventGridEventSchema = z.looseObject({
  id: z.string().min(1, 'expected a non-empty id'),
  topic: z.string().optional(),
  subject: z.string(),
  eventType: z.string().min(1, 'expected a non-empty eventType'),
  eventTime: dateTime,
  data: z.unknown().optional(),
  dataVersion: z.string(),
  metadataVersion: z.string().optional(),
});

export const eventGridBatchSchema = z.array(eventGridEventSchema).min(1, 'expected at least one event');

export const SUBSCRIPTION_VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';

export const subscriptionValidationSchema = z
  .array(
    eventGridEventSchema.extend({
      data: z.looseObject({ validationCode: z.string().min(1, 'expected the validation code') }),
    }),
  )
  .min(1, 'expected the SubscriptionValidationEvent');

/** A CloudEvents 1.0 event in structured JSON mode; extension attributes are kept. */
export const cloudEventSchema = z
  .looseObject({
    specversion: z.literal('1.0', { error: 'expected "1.0"' }),
    id: z.string().min(1, 'expected a non-empty id'),
    source: z.string().min(1, 'expected a non-empty source'),
    type: z.string().min(1, 'expected a non-empty type'),
    time: dateTime.optional(),
    subject: z.string().optional(),
    datacontenttype: z.string().optional(),
    dataschema: z.string().optional(),
    data: z.unknown().optional(),
    data_base64: z.string().optional(),
  })
  .refine((e) => !('data' in e && 'data_base64' in e), {
    message: 'expected either data or data_base64, not both',
    path: ['data_base64'],
  });

export const cloudEventBatchSchema = z.array(cloudEventSchema).min(1, 'expected at least one event');

export type EventGridEvent = z.infer<typeof eventGridEventSchema>;
export type CloudEvent = z.infer<typeof cloudEventSchema>;
