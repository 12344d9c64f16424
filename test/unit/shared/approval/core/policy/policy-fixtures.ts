import type {
  ApprovedCounts,
  ConnectionFacts,
} from '../../../../../../shared/approval/core/policy/evaluate-policy';

export const PLS_WEB =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-provider/providers/Microsoft.Network/privateLinkServices/pls-web';
export const TRUSTED_TENANT = 'aaaaaaaa-0000-0000-0000-000000000001';
export const OTHER_TENANT = 'bbbbbbbb-0000-0000-0000-000000000002';
export const CONSUMER_SUB = '22222222-2222-2222-2222-222222222222';

export function facts(overrides: Partial<ConnectionFacts> = {}): ConnectionFacts {
  return {
    plsId: PLS_WEB,
    plsName: 'pls-web',
    connectionName: 'pe-app.0f1e2d3c',
    status: 'Pending',
    privateEndpointName: 'pe-app',
    privateEndpointResourceGroup: 'rg-consumer',
    privateEndpointLocation: 'westeurope',
    consumerSubscriptionId: CONSUMER_SUB,
    consumerTenantId: TRUSTED_TENANT,
    requestMessage: 'Please approve, ticket CHG0012345',
    ...overrides,
  };
}

export function counts(
  bySubscription: Record<string, number> = {},
  byTenant: Record<string, number> = {},
): ApprovedCounts {
  return {
    bySubscription: (s) => bySubscription[s] ?? 0,
    byTenant: (t) => byTenant[t] ?? 0,
  };
}

export const NOW = new Date('2026-03-04T05:06:07Z');
