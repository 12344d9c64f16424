/*
 * The seed document (YAML or JSON) that fills the emulator: who owns which subscription, the Private
 * Link Services, and connections that already exist. Validated with every problem reported by path.
 */
import { z } from 'zod';
import { resourceIdSchema } from '../../shared/arm/resource-id-schema';
import { loadDocument, parseDocumentText } from '../../shared/config/document-loader';
import type { ArmWorld } from './world';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const plsId = resourceIdSchema('privateLinkService', 'expected a Private Link Service resource id');
const privateEndpointId = resourceIdSchema('privateEndpoint', 'expected a private endpoint resource id');

const guid = z.string().regex(GUID, 'expected a GUID');
const subscriptionList = z.array(z.union([guid, z.literal('*')]));

const subscriptionSchema = z.strictObject({
  subscriptionId: guid,
  tenantId: guid,
  /** Free text for people reading the seed ("provider", "Fabrikam (acquired)"). */
  label: z.string().optional(),
});

/** A PLS alias as Azure hands it out: `{name}.{guid}.{region}.azure.privatelinkservice`. */
export const plsAlias = z
  .string()
  .regex(
    /^[^.\s]+\.[0-9a-f-]{36}\.[a-z0-9]+\.azure\.privatelinkservice$/i,
    'expected {name}.{guid}.{region}.azure.privatelinkservice',
  );

export const region = z.string().regex(/^[a-z0-9]+$/, 'expected a region name such as westeurope');

const plsSchema = z.strictObject({
  id: plsId,
  alias: plsAlias.optional(),
  location: region.optional(),
  autoApproval: subscriptionList.max(100, 'ARM allows at most 100 auto-approved subscriptions').optional(),
  visibility: subscriptionList.optional(),
  accessMode: z.enum(['Default', 'Restricted']).optional(),
  destinationIPAddress: z.ipv4().optional(),
  fqdns: z.array(z.string().min(1).max(253)).optional(),
  enableProxyProtocol: z.boolean().optional(),
  /** ARM allows at most 50 tags per resource ("Use tags to organize your Azure resources"). */
  tags: z
    .record(z.string().min(1).max(512), z.string().max(256))
    .refine((tags) => Object.keys(tags).length <= 50, 'ARM allows at most 50 tags per resource')
    .optional(),
});

const managementGroupSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._()-]{1,90}$/, 'expected a management group id'),
  subscriptions: z.array(z.uuid()),
});

const connectionSchema = z.strictObject({
  plsId,
  privateEndpointId,
  name: z.string().min(1).optional(),
  status: z.enum(['Pending', 'Approved', 'Rejected']).optional(),
  requestMessage: z.string().max(140, 'ARM allows at most 140 characters').optional(),
  description: z.string().max(140, 'ARM allows at most 140 characters').optional(),
  privateEndpointLocation: z.string().optional(),
});

export const armSeedSchema = z
  .strictObject({
    subscriptions: z.array(subscriptionSchema).default([]),
    privateLinkServices: z.array(plsSchema).default([]),
    connections: z.array(connectionSchema).default([]),
    /** Management groups (flattened) for Resource Graph queries at management group scope. */
    managementGroups: z.array(managementGroupSchema).default([]),
    /**
     * The connection PUT ignores `If-Match` (docs/arm-emulator.md, "If-Match on the connection PUT"):
     * plays an NRP that does not honour it, which the REST spec allows. Off by default.
     */
    ignoreIfMatchOnConnectionPut: z.boolean().default(false),
  })
  .superRefine((seed, ctx) => {
    const plsIds = new Set(seed.privateLinkServices.map((p) => p.id.toLowerCase()));
    seed.privateLinkServices.forEach((pls, index) => {
      if (seed.privateLinkServices.findIndex((p) => p.id.toLowerCase() === pls.id.toLowerCase()) !== index) {
        ctx.addIssue({
          code: 'custom',
          path: ['privateLinkServices', index, 'id'],
          message: 'duplicate Private Link Service id',
        });
      }
    });
    seed.connections.forEach((connection, index) => {
      if (!plsIds.has(connection.plsId.toLowerCase())) {
        ctx.addIssue({
          code: 'custom',
          path: ['connections', index, 'plsId'],
          message: 'no Private Link Service with this id in privateLinkServices',
        });
      }
    });
  });

export type ArmSeed = z.infer<typeof armSeedSchema>;
export type ArmSeedInput = z.input<typeof armSeedSchema>;

/** Reads and validates a seed file; throws a `config_invalid` AppError listing every problem by path. */
export async function loadArmSeed(path: string, baseDir = process.cwd()): Promise<ArmSeed> {
  const loaded = await loadDocument({ kind: 'file', path }, armSeedSchema, {
    settingName: 'ARM_EMULATOR_SEED',
    baseDir,
    code: 'config_invalid',
  });
  return loaded.value;
}

export function parseArmSeed(text: string, origin = 'ARM emulator seed'): ArmSeed {
  return parseDocumentText(text, armSeedSchema, origin, 'config_invalid');
}

/** Validates a seed given as an object (tests build them in code). */
export function armSeed(input: ArmSeedInput): ArmSeed {
  return armSeedSchema.parse(input);
}

export function applySeed(world: ArmWorld, seed: ArmSeed): void {
  for (const s of seed.subscriptions) world.addSubscription(s.subscriptionId, s.tenantId);
  for (const pls of seed.privateLinkServices) world.addPrivateLinkService(pls);
  for (const connection of seed.connections) world.addConnection(connection);
  for (const group of seed.managementGroups) world.addManagementGroup(group.id, group.subscriptions);
}
