import { describe, expect, it } from 'vitest';
import { assertConnectionName, parsePlsId, parsePrivateEndpointId } from '../../../../shared/arm/resource-id';

describe('resource ids', () => {
  it('parses a PLS id case-insensitively and keeps names as given', () => {
    expect(
      parsePlsId(
        '/SUBSCRIPTIONS/11111111-1111-1111-1111-11111111111A/resourcegroups/RG-x/providers/microsoft.network/privatelinkservices/Pls-Web',
      ),
    ).toEqual({
      subscriptionId: '11111111-1111-1111-1111-11111111111a',
      resourceGroup: 'RG-x',
      name: 'Pls-Web',
    });
    expect(() => parsePlsId('/subscriptions/x/resourceGroups/rg')).toThrow();
    expect(
      parsePrivateEndpointId(
        '/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe',
      ).name,
    ).toBe('pe');
  });
  it('refuses connection names that would change the URL', () => {
    expect(assertConnectionName('pe.1234')).toBe('pe.1234');
    for (const bad of ['', 'a/b', 'a?b', '..', 'a#b']) expect(() => assertConnectionName(bad)).toThrow();
  });
});
