// The custom role discovery needs (PLS_DISCOVERY_SCOPE): read-only. Resource Graph answers only with
// the resources the caller may read, so the app's identity needs these reads wherever it discovers;
// the actions are ARM_DISCOVERY_READ_OPERATIONS (shared/arm/arm-operations.ts, test/infra holds them
// equal). Deciding a discovered service's connections needs the operator role as well (an opt-in
// in main.bicep: allowDiscoveredWrites).
targetScope = 'subscription'

@description('Display name of the role; unique in the tenant, so it carries the environment name. The role\'s GUID is guid(subscription().id, roleName), which callers compute too.')
param roleName string

@description('Scopes (subscriptions) where the role may be assigned: this one and every subscription discovery searches.')
param assignableScopes array

// Names as Azure's resource provider operations list them ("Azure permissions for Networking":
// privateLinkServices/read, privateLinkServices/privateEndpointConnections/read; "Azure permissions
// for Management and governance": Microsoft.ResourceGraph/resources/read, which submits a Resource
// Graph query).
var discoveryReadActions = [
  'Microsoft.ResourceGraph/resources/read'
  'Microsoft.Network/privateLinkServices/read'
  'Microsoft.Network/privateLinkServices/privateEndpointConnections/read'
]

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, roleName)
  properties: {
    roleName: roleName
    description: 'Private Link Gatekeeper discovery: find Private Link Services through Resource Graph and read them and their private endpoint connections. Grants no write.'
    type: 'CustomRole'
    assignableScopes: assignableScopes
    permissions: [
      {
        actions: discoveryReadActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

// The role's GUID; assignments build the definition id in their own subscription from it.
output roleGuid string = role.name
