/**
 * The Event Grid event kinds `onConnectionEvent` accepts. The infra's event subscription filter is
 * held to these lists by a test, so Event Grid delivers exactly what the handler acts on.
 */
export const ACCEPTED_EVENT_TYPES = [
  'Microsoft.Resources.ResourceWriteSuccess',
  'Microsoft.Resources.ResourceDeleteSuccess',
  'Microsoft.ResourceNotifications.Resources.CreatedOrUpdated',
] as const;

/** ARM operation names (the `operationName` of resource events) that concern a PLS or its connections. */
export const ACCEPTED_OPERATION_NAMES = [
  'Microsoft.Network/privateLinkServices/write',
  'Microsoft.Network/privateLinkServices/delete',
  'Microsoft.Network/privateLinkServices/privateEndpointConnections/write',
  'Microsoft.Network/privateLinkServices/privateEndpointConnections/delete',
] as const;
