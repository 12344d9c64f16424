import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertConnectionName,
  consumerSubscriptionOf,
  formatResourceId,
  isResourceId,
  type PlsRef,
  parsePlsId,
  parsePrivateEndpointId,
  parseResourceId,
  type ResourceIdKind,
  type ResourceRef,
  resourceGroupOf,
  sameResourceId,
  tryParseAnyResourceId,
  tryParseResourceId,
} from '../../../../shared/arm/resource-id';
import { resourceIdOfKindsSchema, resourceIdSchema } from '../../../../shared/arm/resource-id-schema';
import { appErrorOf } from '../../../helpers/app-errors';

const SUB = '11111111-1111-1111-1111-111111111111';
const PLS = `/subscriptions/${SUB}/resourceGroups/rg-provider/providers/Microsoft.Network/privateLinkServices/pls-web`;
const PE = `/subscriptions/${SUB}/resourceGroups/rg-consumer/providers/Microsoft.Network/privateEndpoints/pe-app`;
const CONNECTION = `${PLS}/privateEndpointConnections/pe-app.6f0e5bc1-8a4f-4c0e-9d1b-2f3a4b5c6d7e`;

const idsOf = (
  kind: ResourceIdKind,
  { rg = 'rg', name = 'name-1', child = 'pe.1' }: { rg?: string; name?: string; child?: string },
): string => {
  const group = `/subscriptions/${SUB}/resourceGroups/${rg}`;
  switch (kind) {
    case 'subscription':
      return `/subscriptions/${SUB}`;
    case 'resourceGroup':
      return group;
    case 'privateLinkService':
      return `${group}/providers/Microsoft.Network/privateLinkServices/${name}`;
    case 'privateEndpoint':
      return `${group}/providers/Microsoft.Network/privateEndpoints/${name}`;
    case 'plsConnection':
      return `${group}/providers/Microsoft.Network/privateLinkServices/${name}/privateEndpointConnections/${child}`;
  }
};

describe('parsing resource ids', () => {
  it('parses each kind to a typed ref and keeps every part as given', () => {
    expect(
      parsePlsId(
        '/SUBSCRIPTIONS/11111111-1111-1111-1111-11111111111A/resourcegroups/RG-x/providers/microsoft.network/privatelinkservices/Pls-Web',
      ),
    ).toEqual({
      kind: 'privateLinkService',
      subscriptionId: '11111111-1111-1111-1111-11111111111A',
      resourceGroup: 'RG-x',
      name: 'Pls-Web',
    });
    expect(parsePrivateEndpointId(PE)).toMatchObject({ resourceGroup: 'rg-consumer', name: 'pe-app' });
    expect(tryParseResourceId('plsConnection', CONNECTION)).toEqual({
      kind: 'plsConnection',
      subscriptionId: SUB,
      resourceGroup: 'rg-provider',
      name: 'pe-app.6f0e5bc1-8a4f-4c0e-9d1b-2f3a4b5c6d7e',
      parent: parsePlsId(PLS),
    });
    expect(tryParseResourceId('subscription', `/subscriptions/${SUB}`)).toEqual({
      kind: 'subscription',
      subscriptionId: SUB,
    });
    expect(tryParseResourceId('resourceGroup', `/subscriptions/${SUB}/resourceGroups/rg`)).toMatchObject({
      resourceGroup: 'rg',
    });
  });

  it('tells the kinds apart', () => {
    expect(tryParseAnyResourceId(PLS)?.kind).toBe('privateLinkService');
    expect(tryParseAnyResourceId(PE)?.kind).toBe('privateEndpoint');
    expect(tryParseAnyResourceId(CONNECTION)?.kind).toBe('plsConnection');
    expect(isResourceId('privateEndpoint', PLS)).toBe(false);
    expect(isResourceId('privateLinkService', CONNECTION)).toBe(false);
    expect(resourceGroupOf(CONNECTION)).toBe('rg-provider');
    expect(resourceGroupOf(`/subscriptions/${SUB}`)).toBeUndefined();
  });

  it("follows ARM's naming rules per kind", () => {
    // Resource group: 1-90 of alphanumerics, _ ( ) - . and Unicode letters, not ending in a period.
    for (const rg of ['a', 'rg_(1).x-y', 'Zürich', '東京', 'r'.repeat(90)])
      expect(isResourceId('resourceGroup', idsOf('resourceGroup', { rg })), rg).toBe(true);
    for (const rg of ['', 'rg.', 'r'.repeat(91), 'rg 1', 'rg#', 'rg%2F', 'rg+1'])
      expect(isResourceId('resourceGroup', idsOf('resourceGroup', { rg })), rg).toBe(false);
    // PLS: 1-80, ASCII alphanumerics _ . -, starting alphanumeric, ending alphanumeric or _.
    for (const name of ['a', 'pls_', `a${'b'.repeat(79)}`])
      expect(isResourceId('privateLinkService', idsOf('privateLinkService', { name })), name).toBe(true);
    for (const name of ['-a', 'a-', 'a.', `a${'b'.repeat(80)}`, 'plß', '\u017F', 'pls-\u212A'])
      expect(isResourceId('privateLinkService', idsOf('privateLinkService', { name })), name).toBe(false);
    // Private endpoint: 2-64, the same class and ends.
    for (const name of ['ab', `a${'b'.repeat(63)}`])
      expect(isResourceId('privateEndpoint', idsOf('privateEndpoint', { name })), name).toBe(true);
    for (const name of ['a', `a${'b'.repeat(64)}`])
      expect(isResourceId('privateEndpoint', idsOf('privateEndpoint', { name })), name).toBe(false);
    // Subscription: a GUID.
    expect(isResourceId('subscription', '/subscriptions/11111111-1111-1111-1111-11111111111')).toBe(false);
    expect(isResourceId('subscription', '/subscriptions/1111111g-1111-1111-1111-111111111111')).toBe(false);
  });

  it.each([
    ['a trailing slash', `${PLS}/`],
    ['an extra segment', `${PLS}/extra`],
    ['a doubled slash', PLS.replace('/resourceGroups/', '//resourceGroups/')],
    ['a .. segment', PLS.replace('pls-web', '..')],
    ['a .. walk', `${PLS}/../pls-other`],
    ['an encoded slash', PLS.replace('pls-web', 'pls%2Fweb')],
    ['an encoded slash in the group', PLS.replace('rg-provider', 'rg%2F..')],
    ['leading whitespace', ` ${PLS}`],
    ['a newline', `${PLS}\n`],
    ['a query', `${PLS}?api-version=1`],
    ['a fragment', `${PLS}#x`],
    ['a backslash', PLS.replaceAll('/', '\\')],
    ['another provider', PLS.replace('Microsoft.Network', 'Microsoft.Storage')],
    ['a provider with a lookalike dot', PLS.replace('Microsoft.Network', 'MicrosoftxNetwork')],
    ['a Kelvin sign in a fixed segment', PLS.replace('Network', 'Networ\u212A')],
    ['no leading slash', PLS.slice(1)],
    ['an over-long name', PLS.replace('pls-web', 'p'.repeat(81))],
    ['an over-long id', `${PLS}${'/x'.repeat(5_000)}`],
    ['the empty string', ''],
  ])('refuses %s', (_what, id) => {
    expect(tryParseResourceId('privateLinkService', id)).toBeUndefined();
    expect(tryParseAnyResourceId(id)).toBeUndefined();
  });

  it('accepts the fixed segments in any casing (ARM ids are case-insensitive)', () => {
    expect(isResourceId('privateLinkService', PLS.toUpperCase())).toBe(true);
    expect(isResourceId('plsConnection', CONNECTION.toLowerCase())).toBe(true);
  });

  it('reports a wrong id as validation_failed at the given path, with the shape expected', () => {
    const error = appErrorOf(() => parseResourceId('privateEndpoint', PLS, 'privateEndpointId'));
    expect(error).toMatchObject({
      code: 'validation_failed',
      issues: [{ path: 'privateEndpointId', message: expect.stringContaining('/privateEndpoints/{name}') }],
    });
  });

  it('derives the consumer subscription from a private endpoint id only', () => {
    expect(consumerSubscriptionOf(PE.replace(SUB, SUB.toUpperCase()))).toBe(SUB);
    expect(consumerSubscriptionOf(PLS)).toBeUndefined();
    expect(consumerSubscriptionOf(`/subscriptions/${SUB}`)).toBeUndefined();
    expect(consumerSubscriptionOf(undefined)).toBeUndefined();
  });
});

describe('formatting and comparing', () => {
  it('formats a ref to the canonical id', () => {
    const ref: PlsRef = {
      kind: 'privateLinkService',
      subscriptionId: SUB,
      resourceGroup: 'rg-provider',
      name: 'pls-web',
    };
    expect(formatResourceId(ref)).toBe(PLS);
    // Lower-cased fixed segments come back in ARM's casing; the names here are lower-case already.
    expect(formatResourceId(parseResourceId('plsConnection', CONNECTION.toLowerCase()))).toBe(CONNECTION);
  });

  it('compares ids case-insensitively', () => {
    expect(sameResourceId(PLS, PLS.toUpperCase())).toBe(true);
    expect(sameResourceId(PLS, `${PLS}x`)).toBe(false);
  });

  const hex = fc.constantFrom(...'0123456789abcdefABCDEF');
  const hexRun = (n: number) => fc.string({ unit: hex, minLength: n, maxLength: n });
  const guid = fc
    .tuple(hexRun(8), hexRun(4), hexRun(4), hexRun(4), hexRun(12))
    .map((parts) => parts.join('-'));
  const ascii = [...'abcXYZ019'];
  const word = [...ascii, '_'];
  const inner = [...word, '.', '-'];
  const nameOf = (min: number, max: number) =>
    fc
      .tuple(
        fc.constantFrom(...ascii),
        fc.string({ unit: fc.constantFrom(...inner), maxLength: max - 2 }),
        fc.constantFrom(...word),
      )
      .map(([first, middle, last]) => `${first}${middle}${last}`)
      .filter((n) => n.length >= min && n.length <= max);
  const resourceGroup = fc
    .string({ unit: fc.constantFrom(...inner, '(', ')', 'ü', 'É', '東'), minLength: 1, maxLength: 90 })
    .filter((rg) => !rg.endsWith('.'));
  const ref: fc.Arbitrary<ResourceRef> = fc.oneof(
    guid.map((subscriptionId) => ({ kind: 'subscription' as const, subscriptionId })),
    fc
      .tuple(guid, resourceGroup)
      .map(([subscriptionId, rg]) => ({ kind: 'resourceGroup' as const, subscriptionId, resourceGroup: rg })),
    fc.tuple(guid, resourceGroup, nameOf(1, 80)).map(([subscriptionId, rg, name]) => ({
      kind: 'privateLinkService' as const,
      subscriptionId,
      resourceGroup: rg,
      name,
    })),
    fc.tuple(guid, resourceGroup, nameOf(2, 64)).map(([subscriptionId, rg, name]) => ({
      kind: 'privateEndpoint' as const,
      subscriptionId,
      resourceGroup: rg,
      name,
    })),
    fc.tuple(guid, resourceGroup, nameOf(1, 80), nameOf(1, 101)).map(([subscriptionId, rg, pls, name]) => ({
      kind: 'plsConnection' as const,
      subscriptionId,
      resourceGroup: rg,
      name,
      parent: { kind: 'privateLinkService' as const, subscriptionId, resourceGroup: rg, name: pls },
    })),
  );

  it('round-trips every valid id: format(parse(id)) === id, and parse(format(ref)) is the ref', () => {
    fc.assert(
      fc.property(ref, (r) => {
        const id = formatResourceId(r);
        const parsed = tryParseResourceId(r.kind, id);
        expect(parsed).toEqual(r);
        expect(parsed === undefined ? undefined : formatResourceId(parsed)).toBe(id);
      }),
      { numRuns: 500 },
    );
  });
});

describe('connection names and schemas', () => {
  it('refuses connection names that would change the URL or break the naming rule', () => {
    expect(assertConnectionName('pe.1234')).toBe('pe.1234');
    for (const bad of ['', 'a/b', 'a?b', '..', 'a#b', 'a%2Fb', 'a b', 'x'.repeat(102)])
      expect(() => assertConnectionName(bad), bad).toThrow();
  });

  it('gives zod schemas with the same rules', () => {
    expect(resourceIdSchema('privateLinkService').safeParse(PLS).success).toBe(true);
    expect(resourceIdSchema('privateLinkService').safeParse(`${PLS}/`).success).toBe(false);
    const dependsOn = resourceIdOfKindsSchema(['privateEndpoint', 'plsConnection'], 'expected an id');
    expect(dependsOn.safeParse(PE).success).toBe(true);
    expect(dependsOn.safeParse(CONNECTION).success).toBe(true);
    expect(dependsOn.safeParse(PLS).success).toBe(false);
  });
});
