// Assigns a custom role to the approval app's identity at a whole subscription (deployed with
// `scope: subscription(id)`, which may be another subscription of the same tenant). Used for the
// subscriptions PLS_DISCOVERY_SCOPE lists: the discovery reader role, and the operator role when
// allowDiscoveredWrites opts in.
targetScope = 'subscription'

@description('GUID of the custom role definition (the role module\'s output, or guid(subscription().id, roleName) of the defining subscription).')
param roleGuid string

@description('Principal id of the approval app\'s managed identity.')
param principalId string

@description('Resource id of that identity: known before the deployment starts (its principal id is not), so it names the assignment and what-if can predict it.')
param principalKey string

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalKey, roleGuid)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleGuid)
  }
}
