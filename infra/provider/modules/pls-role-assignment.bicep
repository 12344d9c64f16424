// Assigns the Gatekeeper operator role to the app's identity on one Private Link Service (deployed
// into the PLS's own resource group, which may be in another subscription of the same tenant).

@description('Name of the Private Link Service (last segment of its resource id).')
param privateLinkServiceName string

@description('GUID of the custom role definition (pls-operator-role.bicep output).')
param roleGuid string

@description('Principal id of the approval app\'s managed identity.')
param principalId string

@description('Resource id of that identity: known before the deployment starts (its principal id is not), so it names the assignment and what-if can predict it.')
param principalKey string

resource pls 'Microsoft.Network/privateLinkServices@2025-05-01' existing = {
  name: privateLinkServiceName
}

resource operator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(pls.id, principalKey, roleGuid)
  scope: pls
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleGuid)
  }
}
