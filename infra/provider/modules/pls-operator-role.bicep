// The custom role the approval app holds on each Private Link Service: exactly the ARM actions the
// ARM gateway performs (shared/arm/arm-operations.ts, ARM_OPERATIONS; test/infra holds them equal).
targetScope = 'subscription'

@description('Display name of the role; unique in the tenant, so it carries the environment name. The role\'s GUID is guid(subscription().id, roleName), which callers compute too.')
param roleName string

@description('Scopes (subscriptions) where the role may be assigned: every subscription holding a managed Private Link Service.')
param assignableScopes array

var plsOperatorActions = [
  'Microsoft.Network/privateLinkServices/read'
  'Microsoft.Network/privateLinkServices/privateEndpointConnections/read'
  'Microsoft.Network/privateLinkServices/privateEndpointConnections/write'
  'Microsoft.Network/privateLinkServices/privateEndpointConnections/delete'
]

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, roleName)
  properties: {
    roleName: roleName
    description: 'Private Link Gatekeeper: read a Private Link Service and approve, reject or remove its private endpoint connections.'
    type: 'CustomRole'
    assignableScopes: assignableScopes
    permissions: [
      {
        actions: plsOperatorActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

// The role's GUID; assignments build the definition id in their own subscription from it.
output roleGuid string = role.name
