// Consumer side: the probe app (Flex Consumption, Node 22) with outbound VNet integration into a
// subnet of the consumer network, so it reaches http://<private endpoint IP>/ like the consumer's VMs
// do. Its own storage and telemetry; optional read access to the private endpoint(s) so a failing
// probe can say "the connection is Pending/Rejected" instead of only "TCP timeout".
targetScope = 'subscription'

@description('Environment name; names and tags every resource.')
@minLength(1)
@maxLength(32)
param environmentName string

@description('Azure region of the resource group and every regional resource; must be the consumer VNet\'s region (must offer Flex Consumption).')
param location string = deployment().location

@description('Resource group to create; empty for rg-<environmentName>-consumer.')
param resourceGroupName string = ''

@description('Extra tags for every resource.')
param tags object = {}

@description('Resource id of an existing subnet of the consumer VNet delegated to Microsoft.App/environments (the consumer lab creates one: its probeSubnetId output).')
param integrationSubnetId string

@description('PROBE_TARGETS: the probe targets inline (JSON or YAML), e.g. the consumer lab\'s suggestedProbeTargets output.')
param probeTargets string

@description('Resource ids of the consumer\'s private endpoints the probe may read (connection state); empty grants nothing.')
param privateEndpointIds array = []

@description('Restrict the probe storage account to the integration subnet (service endpoint Microsoft.Storage on that subnet).')
param restrictStorageToSubnet bool = false

@description('PROBE_TARGETS_PATH: targets file in the app package, used when PROBE_TARGETS is empty.')
param probeTargetsPath string = 'probe-targets.yaml'

@description('PROBE_SCHEDULE: six-field NCRONTAB of the probe timer.')
param probeSchedule string = '0 * * * * *'

@description('PROBE_CONCURRENCY: targets probed at once in one run.')
@minValue(1)
@maxValue(1024)
param probeConcurrency int = 32

@description('PROBE_QUEUE_THRESHOLD: above this many targets each target is probed from a queue message.')
@minValue(1)
@maxValue(100000)
param probeQueueThreshold int = 50

@description('PROBE_QUEUE_NAME: storage queue used in queue mode.')
param probeQueueName string = 'probe-requests'

@description('PROBE_RETENTION_DAYS: days raw probe results are kept.')
@minValue(1)
@maxValue(3650)
param probeRetentionDays int = 90

@description('PROBE_CLEANUP_SCHEDULE: six-field NCRONTAB of the retention cleanup timer.')
param probeCleanupSchedule string = '0 30 3 * * *'

@description('AUTH_READER_ROLE: app role value that may read probe data.')
param readerRole string = 'Gatekeeper.Reader'

@description('Client id of an Entra app registration in the consumer tenant with the Gatekeeper.Reader app role; puts App Service Authentication in front of the probe summary API. Empty leaves Easy Auth off: then the API must not be reachable by untrusted callers, since x-ms-client-principal is only trustworthy behind Easy Auth.')
param authClientId string = ''

@description('TABLE_NAME_PREFIX: prefix of every table the app creates.')
param tableNamePrefix string = 'plg'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var allTags = union(tags, {
  'azd-env-name': environmentName
  product: 'private-link-gatekeeper'
  side: 'consumer'
})
var deploymentContainerName = 'app-package-${resourceToken}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}-consumer' : resourceGroupName
  location: location
  tags: allTags
}

module identity '../modules/identity.bicep' = {
  name: 'identity-${resourceToken}'
  scope: rg
  params: {
    name: 'id-plgprobe-${resourceToken}'
    location: location
    tags: allTags
  }
}

module storage '../modules/storage.bicep' = {
  name: 'storage-${resourceToken}'
  scope: rg
  params: {
    name: 'stprobe${resourceToken}'
    location: location
    tags: allTags
    containerNames: [
      deploymentContainerName
    ]
    dataPrincipalIds: [
      identity.outputs.principalId
    ]
    allowedSubnetIds: restrictStorageToSubnet ? [integrationSubnetId] : []
  }
}

module monitoring '../modules/monitoring.bicep' = {
  name: 'monitoring-${resourceToken}'
  scope: rg
  params: {
    workspaceName: 'log-plgprobe-${resourceToken}'
    applicationInsightsName: 'appi-plgprobe-${resourceToken}'
    location: location
    tags: allTags
    publisherPrincipalIds: [
      identity.outputs.principalId
    ]
  }
}

// Every consumer-side setting of shared/config/settings.ts (test/infra checks the list).
var consumerSettings = {
  PROBE_TARGETS: probeTargets
  PROBE_TARGETS_PATH: probeTargetsPath
  PROBE_SCHEDULE: probeSchedule
  PROBE_CONCURRENCY: string(probeConcurrency)
  PROBE_QUEUE_THRESHOLD: string(probeQueueThreshold)
  PROBE_QUEUE_NAME: probeQueueName
  PROBE_RETENTION_DAYS: string(probeRetentionDays)
  PROBE_CLEANUP_SCHEDULE: probeCleanupSchedule
  ARM_ENDPOINT: environment().resourceManager
  AUTH_READER_ROLE: readerRole
  AUTH_ALLOWED_TENANT_IDS: tenant().tenantId
  TABLE_NAME_PREFIX: tableNamePrefix
  OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID: identity.outputs.clientId
}

module app '../modules/function-app.bicep' = {
  name: 'app-${resourceToken}'
  scope: rg
  params: {
    name: 'func-plgprobe-${resourceToken}'
    planName: 'plan-plgprobe-${resourceToken}'
    location: location
    tags: allTags
    serviceName: 'probe'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    virtualNetworkSubnetId: integrationSubnetId
    appSettings: consumerSettings
  }
}

module auth '../provider/modules/app-auth.bicep' = if (!empty(authClientId)) {
  name: 'auth-${resourceToken}'
  scope: rg
  params: {
    functionAppName: app.outputs.name
    clientId: authClientId
    tenantId: tenant().tenantId
    federatedIdentitySettingName: 'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID'
    excludedPaths: [
      '/api/health'
    ]
  }
}

module readerRoleDefinition 'modules/pe-reader-role.bicep' = if (!empty(privateEndpointIds)) {
  name: 'pe-role-${resourceToken}'
  params: {
    roleName: 'Private Link Gatekeeper probe reader (${environmentName})'
  }
}

module privateEndpointAccess 'modules/pe-role-assignment.bicep' = [
  for (privateEndpointId, i) in privateEndpointIds: {
    name: 'pe-access-${i}-${resourceToken}'
    scope: resourceGroup(split(privateEndpointId, '/')[2], split(privateEndpointId, '/')[4])
    params: {
      privateEndpointName: last(split(privateEndpointId, '/'))
      roleGuid: readerRoleDefinition.outputs.roleGuid
      principalId: identity.outputs.principalId
    }
  }
]

output AZURE_RESOURCE_GROUP string = rg.name
output PROBE_FUNCTION_APP_NAME string = app.outputs.name
output PROBE_APP_URI string = 'https://${app.outputs.defaultHostName}'
output PROBE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
