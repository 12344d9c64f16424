// The custom role the probe app may hold on the consumer's private endpoint(s): exactly what it reads
// to label probe failures with the connection state (shared/arm/arm-operations.ts,
// CONSUMER_ARM_OPERATIONS; test/infra holds them equal).
targetScope = 'subscription'

@description('Display name of the role; unique in the tenant, so it carries the environment name.')
param roleName string

var privateEndpointReaderActions = [
  'Microsoft.Network/privateEndpoints/read'
]

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, roleName)
  properties: {
    roleName: roleName
    description: 'Private Link Gatekeeper probe: read a private endpoint and the state of its Private Link connection.'
    type: 'CustomRole'
    assignableScopes: [
      subscription().id
    ]
    permissions: [
      {
        actions: privateEndpointReaderActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

output roleGuid string = role.name
