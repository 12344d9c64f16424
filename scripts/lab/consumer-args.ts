/* The flags of `npm run lab:consumer`, parsed with every problem named by its flag. */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { zodIssues } from '../../shared/config/schema-issues';
import type { FieldIssue } from '../../shared/errors';

export const CONSUMER_USAGE = `Usage: npm run lab:consumer -- --subscription <guid> --message "<request message>" [options]

Plays a consumer in another subscription (and tenant) creating a private endpoint to the running lab's
Private Link Service through the ARM emulator, with the real @azure/arm-network client, and prints the
endpoint's id, private IP and connection state. Start the lab first: npm run local.

  --subscription <guid>    the consumer's subscription (required)
  --message "<text>"       the request message the provider sees (required, at most 140 characters)
  --tenant <guid>          the consumer's tenant (declared in the emulator; without it the lab's earlier
                           answer for this subscription stays, and an unknown subscription has no tenant)
  --pls <name|alias|id>    the Private Link Service (default: the lab's first one)
  --name <name>            the private endpoint's name (default: pe-cli-<random>)
  --resource-group <name>  the consumer's resource group (default: rg-lab-consumer)
  --location <region>      the endpoint's region (default: westeurope)
  --wait <seconds>         wait up to this long for the provider's decision (default: 0, do not wait)
  --arm <url>              the ARM emulator (default: from the running lab's .local/lab.json)
  --help                   this text`;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const guid = z.string().regex(GUID, 'expected a GUID such as 22222222-2222-2222-2222-222222222222');

const argsSchema = z.strictObject({
  subscription: guid,
  message: z.string().max(140, 'expected at most 140 characters (ARM limit)'),
  tenant: guid.optional(),
  pls: z.string().min(1, 'expected a name, alias or resource id').optional(),
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_]$/,
      'expected a resource name (letters, digits, _ . -; 2-64 characters)',
    )
    .optional(),
  'resource-group': z
    .string()
    .regex(/^[-\w.()]{1,90}$/, 'expected a resource group name')
    .default('rg-lab-consumer'),
  location: z
    .string()
    .regex(/^[a-z0-9]+$/, 'expected a region name such as westeurope')
    .default('westeurope'),
  wait: z
    .string()
    .regex(/^\d{1,4}$/, 'expected a whole number of seconds')
    .transform(Number)
    .default(0),
  arm: z
    .url({ error: 'expected a URL such as http://127.0.0.1:54321' })
    .refine(
      (u) => /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\/?$/i.test(u),
      'expected the loopback URL of the ARM emulator',
    )
    .optional(),
});

export type ConsumerArgs = z.output<typeof argsSchema>;

export type ParsedArgs =
  | { readonly kind: 'help' }
  | { readonly kind: 'args'; readonly args: ConsumerArgs }
  | { readonly kind: 'invalid'; readonly issues: readonly FieldIssue[] };

export function parseConsumerArgs(argv: readonly string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        subscription: { type: 'string' },
        message: { type: 'string' },
        tenant: { type: 'string' },
        pls: { type: 'string' },
        name: { type: 'string' },
        'resource-group': { type: 'string' },
        location: { type: 'string' },
        wait: { type: 'string' },
        arm: { type: 'string' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    return { kind: 'invalid', issues: [{ path: '(arguments)', message: (error as Error).message }] };
  }
  if (values.help === true) return { kind: 'help' };
  const { help: _help, ...rest } = values;
  const result = argsSchema.safeParse(rest);
  if (!result.success) {
    return {
      kind: 'invalid',
      issues: zodIssues(result.error).map((i) => ({
        path: `--${i.path}`,
        message: i.message.startsWith('Invalid input: expected string, received undefined')
          ? 'required'
          : i.message,
      })),
    };
  }
  return { kind: 'args', args: result.data };
}
