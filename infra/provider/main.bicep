// Provider side: the approval app (Flex Consumption, Node 22) with its identity, storage, telemetry,
// Easy Auth, the custom role on every managed Private Link Service and the Event Grid system topic.
// `azd up` deploys it (azure.yaml); `az deployment sub create` works the same way (README.md#deploy).
targetScope = 'subscription'

@description('Environment name (azd AZURE_ENV_NAME); names and tags every resource.')
@minLength(1)
@maxLength(32)
param environmentName string

@description('Azure region of the resource group and every regional resource (must offer Flex Consumption).')
param location string = deployment().location

@description('Resource group to create; empty for rg-<environmentName>-provider.')
param resourceGroupName string = ''

@description('Extra tags for every resource.')
param tags object = {}

@description('Full resource ids of the Private Link Services the app manages (PLS_RESOURCE_IDS). The app\'s identity gets the operator role on each.')
param plsResourceIds array

@description('Application (client) id of the Entra app registration that defines the Gatekeeper.Reader and Gatekeeper.Approver app roles (see README.md#deploy).')
param authClientId string

@description('Tenant of that app registration.')
param authTenantId string = tenant().tenantId

@description('APPROVAL_MODE: enforce writes decisions to ARM, dry-run only audits, off decides nothing.')
@allowed([
  'enforce'
  'dry-run'
  'off'
])
param approvalMode string = 'enforce'

@description('APPROVAL_POLICY_PATH: policy file shipped with the app package, relative to the app root.')
param approvalPolicyPath string = 'approval-policy.yaml'

@description('APPROVAL_POLICY: the policy inline (YAML or JSON); empty to use the file.')
param approvalPolicy string = ''

@description('RECONCILE_SCHEDULE: six-field NCRONTAB of the reconciliation timer.')
param reconcileSchedule string = '0 */5 * * * *'

@description('RECONCILE_CONCURRENCY: Private Link Services reconciled at once.')
@minValue(1)
@maxValue(64)
param reconcileConcurrency int = 4

@description('TENANT_CACHE_TTL_HOURS: hours a subscription-to-tenant lookup is trusted.')
@minValue(1)
@maxValue(720)
param tenantCacheTtlHours int = 24

@description('AUTH_READER_ROLE: app role value that may read.')
param readerRole string = 'Gatekeeper.Reader'

@description('AUTH_APPROVER_ROLE: app role value that may approve and reject.')
param approverRole string = 'Gatekeeper.Approver'

@description('TABLE_NAME_PREFIX: prefix of every table the app creates.')
param tableNamePrefix string = 'plg'

@description('Create the Microsoft.Resources.Subscriptions system topic; false to reuse an existing one (only one may exist per subscription) named systemTopicName in this resource group.')
param createSystemTopic bool = true

@description('Name of the system topic; empty for evgt-<environmentName>-subscription.')
param systemTopicName string = ''

@description('Create the Event Grid subscription to onConnectionEvent in this deployment. Leave false on the first deployment: Event Grid validates the function, which exists only after the code is deployed (azure.yaml\'s postdeploy hook creates it then).')
param deployEventSubscription bool = false

@description('Maximum instances of the Flex Consumption plan.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var allTags = union(tags, {
  'azd-env-name': environmentName
  product: 'private-link-gatekeeper'
  side: 'provider'
})
var functionAppName = 'func-plg-${resourceToken}'
var storageAccountName = 'stplg${resourceToken}'
var deploymentContainerName = 'app-package-${resourceToken}'
var deadLetterContainerName = 'eventgrid-dead-letters'
var topicName = empty(systemTopicName) ? 'evgt-${environmentName}-subscription' : systemTopicName
// App setting that Easy Auth reads the federated-credential client id from (no client secret).
var federatedIdentitySettingName = 'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}-provider' : resourceGroupName
  location: location
  tags: allTags
}

module identity '../modules/identity.bicep' = {
  name: 'identity-${resourceToken}'
  scope: rg
  params: {
    name: 'id-plg-${resourceToken}'
    location: location
    tags: allTags
  }
}

module storage '../modules/storage.bicep' = {
  name: 'storage-${resourceToken}'
  scope: rg
  params: {
    name: storageAccountName
    location: location
    tags: allTags
    containerNames: [
      deploymentContainerName
      deadLetterContainerName
    ]
    dataPrincipalIds: [
      identity.outputs.principalId
    ]
  }
}

module monitoring '../modules/monitoring.bicep' = {
  name: 'monitoring-${resourceToken}'
  scope: rg
  params: {
    workspaceName: 'log-plg-${resourceToken}'
    applicationInsightsName: 'appi-plg-${resourceToken}'
    location: location
    tags: allTags
    publisherPrincipalIds: [
      identity.outputs.principalId
    ]
  }
}

// Every provider-side setting of shared/config/settings.ts (test/infra checks the list).
var providerSettings = {
  PLS_RESOURCE_IDS: join(plsResourceIds, ',')
  ARM_ENDPOINT: environment().resourceManager
  APPROVAL_MODE: approvalMode
  APPROVAL_POLICY_PATH: approvalPolicyPath
  RECONCILE_SCHEDULE: reconcileSchedule
  RECONCILE_CONCURRENCY: string(reconcileConcurrency)
  TENANT_CACHE_TTL_HOURS: string(tenantCacheTtlHours)
  AUTH_MODE: 'easyauth'
  AUTH_ALLOWED_TENANT_IDS: authTenantId
  AUTH_READER_ROLE: readerRole
  AUTH_APPROVER_ROLE: approverRole
  TABLE_NAME_PREFIX: tableNamePrefix
  WEBSITE_AUTH_AAD_ALLOWED_TENANTS: authTenantId
  '${federatedIdentitySettingName}': identity.outputs.clientId
}
var inlinePolicySettings = empty(approvalPolicy) ? {} : { APPROVAL_POLICY: approvalPolicy }

module app '../modules/function-app.bicep' = {
  name: 'app-${resourceToken}'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-plg-${resourceToken}'
    location: location
    tags: allTags
    serviceName: 'api'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    maximumInstanceCount: maximumInstanceCount
    appSettings: union(providerSettings, inlinePolicySettings)
  }
}

module auth 'modules/app-auth.bicep' = {
  name: 'auth-${resourceToken}'
  scope: rg
  params: {
    functionAppName: app.outputs.name
    clientId: authClientId
    tenantId: authTenantId
    federatedIdentitySettingName: federatedIdentitySettingName
    excludedPaths: [
      '/api/health'
      '/runtime/webhooks/eventgrid'
      '/runtime/webhooks/EventGrid'
    ]
  }
}

module plsRole 'modules/pls-operator-role.bicep' = {
  name: 'pls-role-${resourceToken}'
  params: {
    roleName: 'Private Link Gatekeeper operator (${environmentName})'
    assignableScopes: union([subscription().id], map(plsResourceIds, plsId => '/subscriptions/${split(plsId, '/')[2]}'))
  }
}

module plsAccess 'modules/pls-role-assignment.bicep' = [
  for (plsId, i) in plsResourceIds: {
    name: 'pls-access-${i}-${resourceToken}'
    scope: resourceGroup(split(plsId, '/')[2], split(plsId, '/')[4])
    params: {
      privateLinkServiceName: last(split(plsId, '/'))
      roleGuid: plsRole.outputs.roleGuid
      principalId: identity.outputs.principalId
    }
  }
]

module topic 'modules/system-topic.bicep' = {
  name: 'topic-${resourceToken}'
  scope: rg
  params: {
    name: topicName
    createSystemTopic: createSystemTopic
    tags: allTags
    storageAccountName: storage.outputs.name
    deadLetterContainerName: deadLetterContainerName
  }
}

module events 'modules/event-subscriptions.bicep' = if (deployEventSubscription) {
  name: 'events-${resourceToken}'
  scope: rg
  params: {
    functionAppName: app.outputs.name
    systemTopicName: topic.outputs.name
    storageAccountName: storage.outputs.name
    deadLetterContainerName: deadLetterContainerName
  }
}

// What the next steps need (azd stores outputs in the environment; the postdeploy hook reads them).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = app.outputs.name
output SERVICE_API_URI string = 'https://${app.outputs.defaultHostName}'
output HEALTH_URL string = 'https://${app.outputs.defaultHostName}/api/health'
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output EVENT_GRID_SYSTEM_TOPIC_NAME string = topic.outputs.name
output DEAD_LETTER_CONTAINER_NAME string = deadLetterContainerName
output MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
