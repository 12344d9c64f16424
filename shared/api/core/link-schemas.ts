/*
 * The link-ID registry's route: `GET /api/links/{linkId}`. A link id is ARM's `linkIdentifier` of a
 * private endpoint connection, the number a PLS with TCP proxy v2 on puts in each TCP connection's
 * PROXY v2 header (custom TLV type 0xEE, subtype 0x01, a little-endian UINT32: Private Link service
 * overview, "Getting connection information using TCP Proxy v2"). So a link id is a decimal
 * unsigned 32-bit number; anything else is refused before any read.
 */
import { z } from 'zod';
import { plsRefSchema } from './api-schemas';

export const MAX_LINK_ID = 0xffff_ffff;

export const linkParamsSchema = z
  .object({
    linkId: z
      .string()
      .regex(/^\d{1,20}$/, 'expected a link id: at most 20 decimal digits')
      .transform((digits) => Number(digits))
      .pipe(z.number().int().max(MAX_LINK_ID, `expected at most ${MAX_LINK_ID} (an unsigned 32-bit number)`))
      // One spelling per id (no leading zeros), the one ARM writes and the record keeps.
      .transform((n) => String(n))
      .meta({
        description:
          "The connection's link id (ARM's `linkIdentifier`, the PROXY v2 header's Azure TLV): decimal, 0 to 4294967295.",
      }),
  })
  .strict();

const nullable = z.string().nullable();

export const linkSchema = z
  .strictObject({
    linkId: z.string(),
    customer: nullable.meta({
      description: 'The customer the connection belongs to, when the product knows it.',
    }),
    consumerTenantId: nullable.meta({
      description: 'Discovered from the subscription; an identification hint, not authentication.',
    }),
    consumerSubscriptionId: nullable,
    privateEndpointId: nullable,
    privateEndpointLocation: nullable,
    pls: plsRefSchema,
    connection: z.string().meta({ description: 'The private endpoint connection name.' }),
    status: z.string().meta({ description: "ARM's status as the product last saw or set it." }),
    statusSince: z
      .string()
      .meta({ description: 'When the product last saw the status (or anything it keeps) change.' }),
    rule: nullable.meta({
      description:
        'The policy rule of the last decision, or of the last verdict without a write; null for none.',
    }),
    decidedBy: z.enum(['policy', 'person']).nullable(),
    decidedAt: nullable,
  })
  .meta({ id: 'Link', description: 'The consumer behind a link id, from its connection record.' });

export type LinkView = z.output<typeof linkSchema>;
