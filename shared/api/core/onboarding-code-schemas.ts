/*
 * The onboarding code routes' schemas (input parsed with them, the OpenAPI document generated from
 * them). Kept beside api-schemas.ts so the routes' contract reads in one place.
 */
import { z } from 'zod';
import { MAX_CODE_CONNECTIONS, MAX_CODE_DAYS } from '../../approval/core/onboarding-code-rules';
import { plsReferenceSchema } from './arm-names';

export const MAX_CUSTOMER_LENGTH = 64;

/**
 * A customer's name is inert text shown in tables, messages and descriptions: letters, digits,
 * spaces and a few punctuation marks, no markup or control characters.
 */
export const customerSchema = z
  .string()
  .trim()
  .min(1, 'expected a customer name')
  .max(MAX_CUSTOMER_LENGTH, `expected at most ${MAX_CUSTOMER_LENGTH} characters`)
  .regex(
    /^[\p{L}\p{N}][\p{L}\p{N} .,&'()+_-]*$/u,
    "expected letters, digits, spaces and . , & ' ( ) + _ - (starting with a letter or digit)",
  )
  .meta({ description: 'The customer the code is for; every connection it approves belongs to them.' });

export const issueCodeBodySchema = z
  .object({
    customer: customerSchema,
    pls: plsReferenceSchema.optional().meta({
      description: 'The managed Private Link Service (name or id) the code is good for; unset: any.',
    }),
    expiresAt: z.iso
      .datetime({ offset: true, error: 'expected an ISO 8601 date and time, e.g. 2027-01-31T00:00:00Z' })
      .optional()
      .meta({ description: 'When the code stops onboarding new connections. Give this or `days`.' }),
    days: z
      .number({ error: 'expected a whole number of days' })
      .int('expected a whole number of days')
      .min(1, 'expected at least 1')
      .max(MAX_CODE_DAYS, `expected at most ${MAX_CODE_DAYS}`)
      .optional()
      .meta({ description: 'Days from now until the code expires. Give this or `expiresAt`.' }),
    maxConnections: z
      .number({ error: 'expected a whole number' })
      .int('expected a whole number')
      .min(1, 'expected at least 1')
      .max(MAX_CODE_CONNECTIONS, `expected at most ${MAX_CODE_CONNECTIONS}`)
      .default(1)
      .meta({ description: 'How many connections the code may onboard (each counts once). Default 1.' }),
  })
  .strict()
  .superRefine((body, ctx) => {
    if ((body.expiresAt === undefined) === (body.days === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [body.expiresAt === undefined ? 'days' : 'expiresAt'],
        message: 'expected exactly one of expiresAt or days',
      });
    }
  });

export const codeIdParamsSchema = z
  .object({
    id: z
      .string()
      .regex(/^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{13}$/, 'expected a code id (13 letters and digits)')
      .meta({ description: 'The code id (from the issue answer or the list), never the code.' }),
  })
  .strict();

export const CODE_STATES = ['active', 'expired', 'revoked', 'exhausted'] as const;

export const codeItemSchema = z.strictObject({
  id: z.string(),
  customer: z.string(),
  pls: z.string().nullable(),
  expiresAt: z.string(),
  maxConnections: z.number(),
  used: z.number().meta({ description: 'Connections that took a place in its count.' }),
  state: z.enum(CODE_STATES),
  issuedAt: z.string(),
  issuedBy: z.string(),
  keyId: z
    .string()
    .meta({ description: 'The signing key id; a code whose key is no longer set no longer verifies.' }),
  keyActive: z.boolean(),
  revokedAt: z.string().nullable(),
  revokedBy: z.string().nullable(),
});

export const issuedCodeSchema = codeItemSchema.extend({
  code: z.string().meta({
    description:
      'The code, shown once: the consumer pastes it into the request message. The app keeps only its id and facts.',
  }),
});

export const codeListSchema = z.strictObject({ items: z.array(codeItemSchema) });

export type CodeItem = z.output<typeof codeItemSchema>;
export type IssueCodeBody = z.output<typeof issueCodeBodySchema>;
