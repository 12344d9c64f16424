// Assigns the probe reader role to the probe app's identity on one private endpoint.

@description('Name of the private endpoint (last segment of its resource id).')
param privateEndpointName string

@description('GUID of the custom role definition (pe-reader-role.bicep output).')
param roleGuid string

@description('Principal id of the probe app\'s managed identity.')
param principalId string

@description('Resource id of that identity: known before the deployment starts (its principal id is not), so it names the assignment and what-if can predict it.')
param principalKey string

resource privateEndpoint 'Microsoft.Network/privateEndpoints@2025-05-01' existing = {
  name: privateEndpointName
}

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(privateEndpoint.id, principalKey, roleGuid)
  scope: privateEndpoint
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleGuid)
  }
}
