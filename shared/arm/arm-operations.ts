/**
 * Every ARM authorisation action the app performs. The infra's custom role is held to this list by
 * a test, so the app's identity gets exactly what it uses and nothing more.
 */
export const ARM_OPERATIONS = [
  'Microsoft.Network/privateLinkServices/read',
  'Microsoft.Network/privateLinkServices/privateEndpointConnections/read',
  'Microsoft.Network/privateLinkServices/privateEndpointConnections/write',
  'Microsoft.Network/privateLinkServices/privateEndpointConnections/delete',
] as const;
