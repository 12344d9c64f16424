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

/**
 * What EXPOSURE_MODE=enforce adds (the PLS PUT of setPlsExposure): a role of its own, deployed only
 * when the Bicep parameter exposureMode is `enforce`.
 */
export const ARM_EXPOSURE_WRITE_OPERATIONS = ['Microsoft.Network/privateLinkServices/write'] as const;

/**
 * What discovery (PLS_DISCOVERY_SCOPE) needs where it searches: the Resource Graph query, and reading
 * each service found and its connections. Read only: the infra's discovery reader role holds exactly
 * these; deciding a discovered service's connections needs ARM_OPERATIONS there too (an opt-in).
 */
export const ARM_DISCOVERY_READ_OPERATIONS = [
  'Microsoft.ResourceGraph/resources/read',
  'Microsoft.Network/privateLinkServices/read',
  'Microsoft.Network/privateLinkServices/privateEndpointConnections/read',
] as const;

/** What the consumer (probe) app reads, to label probe failures with its endpoint's connection state. */
export const CONSUMER_ARM_OPERATIONS = ['Microsoft.Network/privateEndpoints/read'] as const;
