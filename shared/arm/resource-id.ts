/*
 * The one home of ARM resource ids: for every id kind the product touches, a parse (id -> typed
 * ref), a format (ref -> id), a predicate and the pattern behind them. Config, the API, policy
 * files, probe targets, Event Grid subjects, ARM's own answers and the emulators all go through here,
 * so an id accepted at one edge is accepted at every other. zod schemas for these edges are in
 * resource-id-schema.ts (this module is loaded at cold start by the settings list, without zod).
 *
 * One strictness per kind, from "Naming rules and restrictions for Azure resources"
 * (learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules):
 * - subscription: a GUID;
 * - resource group: 1-90 characters: alphanumerics, underscores, parentheses, hyphens, periods and
 *   Unicode letters; not ending in a period;
 * - Microsoft.Network/privateLinkServices: 1-80 alphanumerics, underscores, periods and hyphens,
 *   starting with an alphanumeric and ending with an alphanumeric or underscore;
 * - Microsoft.Network/privateEndpoints: 2-64 characters, the same class and the same ends;
 * - privateEndpointConnections (under a PLS): the table has no row; ARM names a connection
 *   `{private endpoint name}.{guid}`, so the same class and ends, at most 64 + 1 + 36 = 101.
 *
 * The same doc: names are case-insensitive and ARM may return them in another casing. So the fixed
 * segments (`resourceGroups`, `Microsoft.Network`, ...) match in any casing, every part keeps the
 * casing it was given (ids are reported as configured), and ids are compared with `sameResourceId`.
 * Anything else (a trailing slash, an empty or `..` segment, `%2F`, whitespace, an extra segment)
 * is not an id of that kind.
 */
import { AppError } from '../errors';

export interface SubscriptionRef {
  readonly kind: 'subscription';
  readonly subscriptionId: string;
}

export interface ResourceGroupRef {
  readonly kind: 'resourceGroup';
  readonly subscriptionId: string;
  readonly resourceGroup: string;
}

/** The parts of a Private Link Service id the SDK's operations take as separate arguments. */
export interface PlsRef {
  readonly kind: 'privateLinkService';
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

export interface PrivateEndpointRef {
  readonly kind: 'privateEndpoint';
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

/** A private endpoint connection as the provider sees it: a child of its Private Link Service. */
export interface PlsConnectionRef {
  readonly kind: 'plsConnection';
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly parent: PlsRef;
}

export type ResourceRef = SubscriptionRef | ResourceGroupRef | PlsRef | PrivateEndpointRef | PlsConnectionRef;
export type ResourceIdKind = ResourceRef['kind'];
type RefOf<K extends ResourceIdKind> = Extract<ResourceRef, { kind: K }>;

// ---- the naming rules ----------------------------------------------------------------------------

/*
 * Written without the `i` flag: with `iu` JavaScript folds U+017F (long s) and U+212A (Kelvin sign)
 * into [A-Za-z], which would let non-ASCII characters into names ARM restricts to ASCII. The fixed
 * segments are made case-insensitive one letter at a time instead (`anyCase`).
 */
const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const RESOURCE_GROUP = '[-\\w.()\\p{L}]{0,89}[-\\w()\\p{L}]';
const PLS_NAME = '[A-Za-z0-9](?:[-\\w.]{0,78}\\w)?';
const PRIVATE_ENDPOINT_NAME = '[A-Za-z0-9][-\\w.]{0,62}\\w';
const CONNECTION_NAME = '[A-Za-z0-9](?:[-\\w.]{0,99}\\w)?';

/** `resourceGroups` -> `[rR][eE]...`: the literal in any casing, without the `i` flag. */
function anyCase(literal: string): string {
  return literal.replace(/[A-Za-z]/g, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`).replace(/\./g, '\\.');
}

const SUBSCRIPTION_PART = `/${anyCase('subscriptions')}/(${GUID})`;
const GROUP_PART = `${SUBSCRIPTION_PART}/${anyCase('resourceGroups')}/(${RESOURCE_GROUP})`;
const NETWORK_PART = `${GROUP_PART}/${anyCase('providers')}/${anyCase('Microsoft.Network')}`;
const PLS_PART = `${NETWORK_PART}/${anyCase('privateLinkServices')}/(${PLS_NAME})`;

const whole = (source: string) => new RegExp(`^${source}$`, 'u');

/**
 * The pattern of each kind (whole string, flag `u` only). Exported for edges that take a RegExp
 * (the settings list, zod's `.regex` so the OpenAPI document shows it); code reads ids with `parse*`.
 */
export const RESOURCE_ID_PATTERNS: { readonly [K in ResourceIdKind]: RegExp } = {
  subscription: whole(SUBSCRIPTION_PART),
  resourceGroup: whole(GROUP_PART),
  privateLinkService: whole(PLS_PART),
  privateEndpoint: whole(`${NETWORK_PART}/${anyCase('privateEndpoints')}/(${PRIVATE_ENDPOINT_NAME})`),
  plsConnection: whole(`${PLS_PART}/${anyCase('privateEndpointConnections')}/(${CONNECTION_NAME})`),
};

/** Names on their own (a URL segment, a policy field), by the same rules as inside an id. */
export const NAME_PATTERNS = {
  resourceGroup: whole(RESOURCE_GROUP),
  privateLinkService: whole(PLS_NAME),
  privateEndpoint: whole(PRIVATE_ENDPOINT_NAME),
  plsConnection: whole(CONNECTION_NAME),
} as const;

export const MAX_CONNECTION_NAME_LENGTH = 101;

/** What each kind looks like, for error messages. */
export const RESOURCE_ID_SHAPES: { readonly [K in ResourceIdKind]: string } = {
  subscription: '/subscriptions/{guid}',
  resourceGroup: '/subscriptions/{guid}/resourceGroups/{rg}',
  privateLinkService:
    '/subscriptions/{guid}/resourceGroups/{rg}/providers/Microsoft.Network/privateLinkServices/{name}',
  privateEndpoint:
    '/subscriptions/{guid}/resourceGroups/{rg}/providers/Microsoft.Network/privateEndpoints/{name}',
  plsConnection:
    '/subscriptions/{guid}/resourceGroups/{rg}/providers/Microsoft.Network/privateLinkServices/{pls}/privateEndpointConnections/{name}',
};

const KIND_LABELS: { readonly [K in ResourceIdKind]: string } = {
  subscription: 'subscription',
  resourceGroup: 'resource group',
  privateLinkService: 'Private Link Service',
  privateEndpoint: 'private endpoint',
  plsConnection: 'private endpoint connection',
};

/** `expected a Private Link Service resource id (/subscriptions/{guid}/...)`: one wording everywhere. */
export function expectedResourceId(kind: ResourceIdKind): string {
  return `expected a ${KIND_LABELS[kind]} resource id (${RESOURCE_ID_SHAPES[kind]})`;
}

// ---- parse, predicate, format ----------------------------------------------------------------

/** The typed ref of `id` when it is an id of `kind` under the rules above, else undefined. */
export function tryParseResourceId<K extends ResourceIdKind>(kind: K, id: string): RefOf<K> | undefined {
  const match = RESOURCE_ID_PATTERNS[kind].exec(id);
  if (match === null) return undefined;
  const [, subscriptionId = '', resourceGroup = '', name = '', child = ''] = match;
  switch (kind) {
    case 'subscription':
      return { kind, subscriptionId } as RefOf<K>;
    case 'resourceGroup':
      return { kind, subscriptionId, resourceGroup } as RefOf<K>;
    case 'privateLinkService':
    case 'privateEndpoint':
      return { kind, subscriptionId, resourceGroup, name } as RefOf<K>;
    default: {
      const parent: PlsRef = { kind: 'privateLinkService', subscriptionId, resourceGroup, name };
      return { kind: 'plsConnection', subscriptionId, resourceGroup, name: child, parent } as RefOf<K>;
    }
  }
}

/** As tryParseResourceId, but a wrong id is a validation error naming `path` and the expected shape. */
export function parseResourceId<K extends ResourceIdKind>(
  kind: K,
  id: string,
  path: string = kind,
): RefOf<K> {
  const ref = tryParseResourceId(kind, id);
  if (ref === undefined) {
    throw new AppError('validation_failed', `Not a ${KIND_LABELS[kind]} resource id.`, {
      issues: [{ path, message: expectedResourceId(kind) }],
    });
  }
  return ref;
}

export function isResourceId(kind: ResourceIdKind, id: string): boolean {
  return RESOURCE_ID_PATTERNS[kind].test(id);
}

/** The canonical id of a ref (ARM's casing of the fixed segments, the parts as given). Checks nothing. */
export function formatResourceId(ref: ResourceRef): string {
  const subscription = `/subscriptions/${ref.subscriptionId}`;
  if (ref.kind === 'subscription') return subscription;
  const group = `${subscription}/resourceGroups/${ref.resourceGroup}`;
  switch (ref.kind) {
    case 'resourceGroup':
      return group;
    case 'privateLinkService':
      return `${group}/providers/Microsoft.Network/privateLinkServices/${ref.name}`;
    case 'privateEndpoint':
      return `${group}/providers/Microsoft.Network/privateEndpoints/${ref.name}`;
    case 'plsConnection':
      return formatPlsConnectionId(formatResourceId(ref.parent), ref.name);
  }
}

/** ARM ids name the same resource whatever their casing (resource-name-rules: compare case-insensitively). */
export function sameResourceId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

// ---- the kinds the product uses most, by name --------------------------------------------------

export const parsePlsId = (id: string): PlsRef => parseResourceId('privateLinkService', id, 'plsId');
export const parsePrivateEndpointId = (id: string): PrivateEndpointRef =>
  parseResourceId('privateEndpoint', id, 'privateEndpointId');
export const tryParsePlsId = (id: string): PlsRef | undefined => tryParseResourceId('privateLinkService', id);
export const tryParsePrivateEndpointId = (id: string): PrivateEndpointRef | undefined =>
  tryParseResourceId('privateEndpoint', id);
export const tryParsePlsConnectionId = (id: string): PlsConnectionRef | undefined =>
  tryParseResourceId('plsConnection', id);
export const isPlsId = (id: string): boolean => isResourceId('privateLinkService', id);

export function formatPlsId(subscriptionId: string, resourceGroup: string, name: string): string {
  return formatResourceId({ kind: 'privateLinkService', subscriptionId, resourceGroup, name });
}

/** A connection's id from its PLS's id (kept as given) and its name. */
export function formatPlsConnectionId(plsId: string, connectionName: string): string {
  return `${plsId}/privateEndpointConnections/${connectionName}`;
}

export function formatPrivateEndpointId(subscriptionId: string, resourceGroup: string, name: string): string {
  return formatResourceId({ kind: 'privateEndpoint', subscriptionId, resourceGroup, name });
}

/** The PLS's name: the last part of its id (the id itself when it is not a PLS id). */
export function plsNameOf(plsId: string): string {
  return tryParsePlsId(plsId)?.name ?? plsId;
}

const KINDS: readonly ResourceIdKind[] = [
  'subscription',
  'resourceGroup',
  'privateLinkService',
  'privateEndpoint',
  'plsConnection',
];

/** The ref of an id of whichever kind it is, or undefined when it is none of them. */
export function tryParseAnyResourceId(id: string): ResourceRef | undefined {
  for (const kind of KINDS) {
    const ref = tryParseResourceId(kind, id);
    if (ref !== undefined) return ref;
  }
  return undefined;
}

/** The resource group of an id of any kind above (undefined for a subscription or another id). */
export function resourceGroupOf(id: string): string | undefined {
  const ref = tryParseAnyResourceId(id);
  return ref === undefined || ref.kind === 'subscription' ? undefined : ref.resourceGroup;
}

/** The private endpoint's name, when `privateEndpointId` is a private endpoint id. */
export function privateEndpointNameOf(privateEndpointId: string | undefined): string | undefined {
  return privateEndpointId === undefined ? undefined : tryParsePrivateEndpointId(privateEndpointId)?.name;
}

/**
 * The consumer's subscription, from its private endpoint's id (SCENARIO: the consumer subscription
 * is derived from `privateEndpoint.id`), lower-cased as the policy lists and audit rows keep it.
 */
export function consumerSubscriptionOf(privateEndpointId: string | undefined): string | undefined {
  if (privateEndpointId === undefined) return undefined;
  return tryParsePrivateEndpointId(privateEndpointId)?.subscriptionId.toLowerCase();
}

/** A connection name is one path segment of ARM's connection naming rule: refuse anything else. */
export function assertConnectionName(name: string): string {
  if (!NAME_PATTERNS.plsConnection.test(name)) {
    throw new AppError('validation_failed', 'Not a private endpoint connection name.', {
      issues: [
        {
          path: 'connectionName',
          message: `expected a private endpoint connection name ({endpoint}.{guid}: 1-${MAX_CONNECTION_NAME_LENGTH} letters, digits, _ . -)`,
        },
      ],
    });
  }
  return name;
}
