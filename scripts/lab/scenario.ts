/*
 * A lab scenario (YAML or JSON): the provider's Private Link Services and their backends, the
 * consumers who connect (who, from which tenant, with which request message, and when), the faults
 * to inject over time, and the lab's timing. Validated with every problem reported by path, e.g.
 * `consumers[2].connectAfterSeconds: expected a number of seconds`.
 */
import { z } from 'zod';
import { ROUTE_KINDS as ARM_ROUTE_KINDS, type RouteKind } from '../../emulators/arm/route-kinds';
import { plsAlias, region } from '../../emulators/arm/seed';
import { formatPlsId, formatPrivateEndpointId, NAME_PATTERNS } from '../../shared/arm/resource-id';

/**
 * The settings a scenario decides for the lab (ARM endpoint, managed services, targets, schedules,
 * policy, mode): whoever starts the lab (its tests, `npm run screenshots`) removes them from the
 * environment it inherits, so a developer's shell cannot change the story.
 */
export const SCENARIO_SETTINGS: readonly string[] = [
  'ARM_ENDPOINT',
  'PLS_RESOURCE_IDS',
  'PROBE_TARGETS',
  'RECONCILE_SCHEDULE',
  'PROBE_SCHEDULE',
  'APPROVAL_POLICY',
  'APPROVAL_MODE',
];

import { loadDocument, parseDocumentText } from '../../shared/config/document-loader';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// ARM's naming rules (shared/arm/resource-id.ts); a scenario keeps PLS names to the endpoints' 2-64 too.
const NAME = NAME_PATTERNS.privateEndpoint;
const RESOURCE_GROUP = NAME_PATTERNS.resourceGroup;
/** Route kinds a scenario may throttle: every route the emulator names, except its catch-all. */
const ROUTE_KINDS = ARM_ROUTE_KINDS.filter((kind) => kind !== 'unknown') as [
  Exclude<RouteKind, 'unknown'>,
  ...Exclude<RouteKind, 'unknown'>[],
];

const guid = z.string().regex(GUID, 'expected a GUID');
const name = z
  .string()
  .regex(NAME, 'expected an Azure resource name (letters, digits, _ . -; 2-64 characters)');
const seconds = (max: number) =>
  z
    .number({ error: 'expected a number of seconds' })
    .min(0, 'expected 0 or more seconds')
    .max(max, `expected at most ${max} seconds`);
const ncrontab = z
  .string()
  .refine(
    (v) => v.trim().split(/\s+/).length === 6,
    'expected a six-field NCRONTAB, seconds first (e.g. "*/15 * * * * *")',
  );

/**
 * `iis` is the lab's IIS stand-in; `proxy-v2` the PROXY v2 backend stand-in (for a PLS with TCP proxy
 * v2 on: emulators/proxy-v2/proxy-v2-backend.ts); anything else must be an http URL on a loopback host.
 */
const backend = z.union([
  z.literal('iis'),
  z.literal('proxy-v2'),
  z
    .url({ error: 'expected "iis" or an http://127.0.0.x URL' })
    .refine(
      (u) => /^http:\/\/(127\.\d+\.\d+\.\d+|\[::1\]|localhost)(:\d+)?\//i.test(u.endsWith('/') ? u : `${u}/`),
      {
        message: 'expected "iis" or an http URL on a loopback host (the lab sends traffic only to loopback)',
      },
    ),
]);

const plsSchema = z.strictObject({
  name,
  resourceGroup: z.string().regex(RESOURCE_GROUP, 'expected a resource group name').default('rg-provider'),
  alias: plsAlias.optional(),
  location: region.default('westeurope'),
  /** Subscriptions that may find it by alias; `*` (default) is anyone with the alias. */
  visibility: z.array(z.union([guid, z.literal('*')])).default(['*']),
  backend: backend.default('iis'),
  /**
   * TCP proxy v2 (`enableProxyProtocol`): each TCP connection starts with a PROXY v2 header carrying
   * the link id. Its backend must read that header (`proxy-v2`); IIS cannot.
   */
  enableProxyProtocol: z.boolean().default(false),
});

const consumerSchema = z.strictObject({
  /** Who this is, for the narrative: "Fabrikam (acquired company)". */
  label: z.string().min(1).max(80),
  subscriptionId: guid,
  /** The consumer's tenant; omit it for a subscription ARM reveals no tenant for. */
  tenantId: guid.optional(),
  endpoint: name,
  resourceGroup: z.string().regex(RESOURCE_GROUP, 'expected a resource group name').default('rg-consumer'),
  location: z
    .string()
    .regex(/^[a-z0-9]+$/, 'expected a region name such as westeurope')
    .default('westeurope'),
  /** The Private Link Service to connect to: its name in `provider.privateLinkServices`, or its alias. */
  privateLinkService: z.string().min(1),
  requestMessage: z.string().max(140, 'ARM allows at most 140 characters').default(''),
  connectAfterSeconds: seconds(3600),
  /** What the policy should do with it; the narrative and the end-to-end test compare against it. */
  expect: z.enum(['approve', 'reject', 'manual']).optional(),
  /** Whether this endpoint's creation publishes a provider-side event; `events.consumerCreates` when omitted. */
  createEvent: z.boolean().optional(),
  /** Probe the endpoint's address from the consumer side (default true). */
  probe: z.boolean().default(true),
  /**
   * The provider issues this consumer a signed onboarding code through the API when the run starts
   * (the lab plays the approver); the consumer appends it to its request message when it connects.
   * `expiresAfterSeconds` shorter than `connectAfterSeconds` plays a customer whose code expired.
   */
  onboardingCode: z
    .strictObject({
      customer: z.string().min(1).max(64),
      expiresAfterSeconds: z
        .number()
        .int()
        .min(1)
        .max(365 * 86_400)
        .default(14 * 86_400),
    })
    .optional(),
});

const throttlingSchema = z.strictObject({
  kind: z.literal('armThrottling'),
  startSeconds: seconds(3600),
  durationSeconds: seconds(3600).refine((v) => v > 0, 'expected more than 0 seconds'),
  /** Share of matching ARM requests answered 429, 0-1. */
  rate: z.number().min(0).max(1, 'expected a share between 0 and 1').default(0.5),
  retryAfterSeconds: z.number().int().min(0).max(60).default(1),
  /** Which ARM routes are throttled; the provider's reads and writes by default. */
  routes: z
    .array(z.enum(ROUTE_KINDS, { error: `expected one of ${ROUTE_KINDS.join(', ')}` }))
    .min(1)
    .default(['pls.get', 'connection.list', 'connection.get', 'connection.put']),
});

const backendDownSchema = z.strictObject({
  kind: z.literal('backendDown'),
  startSeconds: seconds(3600),
  durationSeconds: seconds(3600).refine((v) => v > 0, 'expected more than 0 seconds'),
  /** `down`: IIS stopped (connections refused); `error`: the application pool stopped (HTTP 503). */
  mode: z.enum(['down', 'error']).default('down'),
});

const personSchema = z.strictObject({
  kind: z.enum(['approve', 'reject']),
  /** Which consumer's connection (its `endpoint` name). */
  endpoint: name,
  atSeconds: seconds(3600),
  reason: z.string().min(1).max(140),
  /** Approve until this many seconds after the step (the body's `until`): an approval that ends in the scenario. */
  untilSeconds: seconds(3600)
    .refine((v) => v > 0, 'expected more than 0 seconds')
    .optional(),
  /** Who acts (AUTH_MODE=dev honours a given principal); the local developer when omitted. Two people for the two-person rule. */
  as: z
    .strictObject({
      name: z.string().min(1).max(80),
      objectId: guid,
    })
    .optional(),
});

export const scenarioSchema = z
  .strictObject({
    version: z.literal(1, { error: 'expected version: 1' }),
    name: z.string().min(1).max(80),
    description: z.string().optional(),
    provider: z.strictObject({
      label: z.string().default('Provider'),
      subscriptionId: guid,
      tenantId: guid,
      privateLinkServices: z.array(plsSchema).min(1, 'expected at least one Private Link Service'),
    }),
    consumers: z.array(consumerSchema).default([]),
    faults: z.array(z.discriminatedUnion('kind', [throttlingSchema, backendDownSchema])).default([]),
    /** Decisions a person makes through the API during the run (the lab plays the operator). */
    people: z.array(personSchema).default([]),
    events: z
      .strictObject({
        /** Deliver Event Grid events for the provider's writes (our approve/reject/delete). */
        enabled: z.boolean().default(true),
        /** Also publish a provider-side event when a consumer creates an endpoint (undocumented in Azure). */
        consumerCreates: z.boolean().default(false),
      })
      .prefault({}),
    schedules: z
      .strictObject({
        reconcile: ncrontab.default('*/15 * * * * *'),
        probe: ncrontab.default('*/5 * * * * *'),
      })
      .prefault({}),
    /** Path of the approval policy (relative to the repository); the app's setting when omitted. */
    policy: z.string().min(1).optional(),
  })
  .superRefine((scenario, ctx) => {
    const plsNames = new Set<string>();
    scenario.provider.privateLinkServices.forEach((pls, index) => {
      // Azure: a request fails when the setting is on and the backend does not parse the header, or
      // the other way round (Private Link service overview, TCP Proxy v2 note).
      if (pls.enableProxyProtocol !== (pls.backend === 'proxy-v2'))
        ctx.addIssue({
          code: 'custom',
          path: ['provider', 'privateLinkServices', index, 'backend'],
          message: pls.enableProxyProtocol
            ? 'expected backend "proxy-v2": with enableProxyProtocol on, every connection starts with a PROXY v2 header the backend must read'
            : 'backend "proxy-v2" needs enableProxyProtocol: true (it refuses connections without a PROXY v2 header)',
        });
      const key = `${pls.resourceGroup}/${pls.name}`.toLowerCase();
      if (plsNames.has(key))
        ctx.addIssue({
          code: 'custom',
          path: ['provider', 'privateLinkServices', index, 'name'],
          message: 'duplicate Private Link Service',
        });
      plsNames.add(key);
    });
    const known = (ref: string) =>
      scenario.provider.privateLinkServices.some(
        (p) => p.name.toLowerCase() === ref.toLowerCase() || p.alias?.toLowerCase() === ref.toLowerCase(),
      );
    const endpoints = new Set<string>();
    scenario.consumers.forEach((consumer, index) => {
      if (!known(consumer.privateLinkService)) {
        ctx.addIssue({
          code: 'custom',
          path: ['consumers', index, 'privateLinkService'],
          message: 'no Private Link Service with this name or alias in provider.privateLinkServices',
        });
      }
      const key = `${consumer.subscriptionId}/${consumer.resourceGroup}/${consumer.endpoint}`.toLowerCase();
      if (endpoints.has(key))
        ctx.addIssue({
          code: 'custom',
          path: ['consumers', index, 'endpoint'],
          message: 'duplicate private endpoint',
        });
      endpoints.add(key);
      const tenants = scenario.consumers
        .filter((c) => c.subscriptionId.toLowerCase() === consumer.subscriptionId.toLowerCase())
        .map((c) => c.tenantId?.toLowerCase());
      if (new Set(tenants).size > 1)
        ctx.addIssue({
          code: 'custom',
          path: ['consumers', index, 'tenantId'],
          message: 'another consumer names a different tenant for this subscription',
        });
    });
    scenario.people.forEach((person, index) => {
      if (!scenario.consumers.some((c) => c.endpoint.toLowerCase() === person.endpoint.toLowerCase()))
        ctx.addIssue({
          code: 'custom',
          path: ['people', index, 'endpoint'],
          message: 'no consumer with this endpoint name',
        });
    });
  });

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioConsumer = Scenario['consumers'][number];
export type ScenarioPls = Scenario['provider']['privateLinkServices'][number];
export type ScenarioFault = Scenario['faults'][number];

/** Reads and validates a scenario file; throws a `config_invalid` AppError listing every problem by path. */
export async function loadScenario(path: string, baseDir: string): Promise<Scenario> {
  const loaded = await loadDocument({ kind: 'file', path }, scenarioSchema, {
    settingName: '--scenario',
    baseDir,
    code: 'config_invalid',
  });
  return loaded.value;
}

export function parseScenario(text: string, origin = 'scenario'): Scenario {
  return parseDocumentText(text, scenarioSchema, origin, 'config_invalid');
}

export function plsIdOf(scenario: Scenario, pls: ScenarioPls): string {
  return formatPlsId(scenario.provider.subscriptionId, pls.resourceGroup, pls.name);
}

export function privateEndpointIdOf(consumer: ScenarioConsumer): string {
  return formatPrivateEndpointId(consumer.subscriptionId, consumer.resourceGroup, consumer.endpoint);
}

/** The PLS a consumer names (by name or alias); the schema guarantees there is one. */
export function targetPls(scenario: Scenario, consumer: ScenarioConsumer): ScenarioPls {
  const ref = consumer.privateLinkService.toLowerCase();
  const pls = scenario.provider.privateLinkServices.find(
    (p) => p.name.toLowerCase() === ref || p.alias?.toLowerCase() === ref,
  );
  if (pls === undefined)
    throw new Error(`No Private Link Service ${consumer.privateLinkService} in the scenario.`);
  return pls;
}
