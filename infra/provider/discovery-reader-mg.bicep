// Discovery at a management group (PLS_DISCOVERY_SCOPE=managementGroup:<id>): the provider template
// is subscription-scoped and cannot assign a role at a management group, so this small template does,
// deployed at that group by someone who may assign roles there:
//
//   az deployment mg create --management-group-id <id> --location <region> \
//     --template-file infra/provider/discovery-reader-mg.bicep \
//     --parameters environmentName=<env> principalId=<MANAGED_IDENTITY_PRINCIPAL_ID output>
//
// It defines the read-only discovery role (the same actions as modules/pls-discovery-reader-role.bicep:
// ARM_DISCOVERY_READ_OPERATIONS, test/infra holds both equal) assignable at that group alone, and
// assigns it to the app's identity there. It grants no write on purpose: deciding a discovered
// service's connections needs the operator role on it, which the provider template assigns per
// subscription (allowDiscoveredWrites with plsDiscoveryScope listing subscriptions) or per PLS
// (plsResourceIds); a write right over a whole management group is wider than this product asks for.
targetScope = 'managementGroup'

@description('Environment name of the provider deployment (azd AZURE_ENV_NAME): it names the role, which must be unique in the tenant.')
@minLength(1)
@maxLength(32)
param environmentName string

@description('Principal id of the approval app\'s managed identity (the provider deployment\'s MANAGED_IDENTITY_PRINCIPAL_ID output).')
param principalId string

var roleName = 'Private Link Gatekeeper discovery reader (${environmentName}, ${managementGroup().name})'

// Names as Azure's resource provider operations list them ("Azure permissions for Networking" and
// "for Management and governance", Microsoft.ResourceGraph/resources/read).
var discoveryReadActions = [
  'Microsoft.ResourceGraph/resources/read'
  'Microsoft.Network/privateLinkServices/read'
  'Microsoft.Network/privateLinkServices/privateEndpointConnections/read'
]

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(managementGroup().id, roleName)
  properties: {
    roleName: roleName
    description: 'Private Link Gatekeeper discovery: find Private Link Services through Resource Graph and read them and their private endpoint connections. Grants no write.'
    type: 'CustomRole'
    // A custom role may name one management group as its assignable scope.
    assignableScopes: [
      managementGroup().id
    ]
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

// The assignment names its definition through `role.id`, so it is deployed after it.
resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(managementGroup().id, principalId, role.id)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: role.id
  }
}

output roleDefinitionId string = role.id
