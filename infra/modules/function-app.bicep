// One function app on the Flex Consumption plan (FC1), Node 22 (24 selectable), running as a
// user-assigned identity.
// The storage, telemetry and identity settings every app needs are set here; the caller adds its
// product settings through `appSettings` (held to shared/config/settings.ts by test/infra).

@description('Name of the function app (globally unique host name).')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags applied to the plan and the app.')
param tags object

@description('Value of the azd-service-name tag, so `azd deploy` finds the app.')
param serviceName string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity (AZURE_CLIENT_ID, storage and telemetry credentials).')
param identityClientId string

@description('Name of the storage account created for this app (storage.bicep).')
param storageAccountName string

@description('Blob container that holds the deployment package.')
param deploymentContainerName string

@description('Name of the Application Insights component (monitoring.bicep).')
param applicationInsightsName string

@description('Product app settings, merged over the platform settings set here.')
param appSettings object

@description('Subnet delegated to Microsoft.App/environments for outbound VNet integration; empty for none.')
param virtualNetworkSubnetId string = ''

@description('Memory of each instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

// Flex Consumption accepts 40 to 1,000 ("Limit scale-out", learn.microsoft.com/azure/azure-functions/
// event-driven-scaling#limit-scale-out; a newer revision of that page lowers the floor to 1, so 40 is
// valid under both).
@description('Upper bound of on-demand instances per scale group (Flex Consumption accepts 40 to 1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

// Node 22 is the default on Flex Consumption (`az functionapp list-flexconsumption-runtimes
// --location <region> --runtime node`); 24 is offered where that command lists it (docs/deploy.md).
@description('Node.js major version of the app (functionAppConfig.runtime.version).')
@allowed([
  '22'
  '24'
])
param nodeVersion string = '22'

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references in app settings (e.g. NOTIFY_WEBHOOKS) resolve with the app's own identity.
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    // No ftpsState: Flex Consumption rejects it with the other deprecated site properties ("Flex
    // Consumption plan deprecations", learn.microsoft.com/azure/azure-functions/functions-app-settings).
    // FTP stays off through the ftp publishing-credentials policy below.
    siteConfig: {
      minTlsVersion: '1.2'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
}

// Deployments authenticate with Entra ID (azd, `func azure functionapp publish`); basic auth stays off.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

// Identity-based host storage (no AzureWebJobsStorage connection string) and Entra-authenticated
// telemetry. Service URIs come from the account itself, so sovereign clouds need no extra setting.
// Flex Consumption sets the worker runtime from functionAppConfig; FUNCTIONS_WORKER_RUNTIME and
// FUNCTIONS_EXTENSION_VERSION are not allowed here.
var platformSettings = {
  AzureWebJobsStorage__accountName: storage.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
  AZURE_CLIENT_ID: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

resource settings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'appsettings'
  properties: union(appSettings, platformSettings)
}

output name string = site.name
output id string = site.id
output defaultHostName string = site.properties.defaultHostName
