// Storage for one function app: the host's own state, the product's tables and queues, the Flex
// Consumption deployment package and (provider side) Event Grid dead letters. Shared keys are off:
// every caller authenticates with Entra ID, so no connection string exists that could leak.

@description('Storage account name: 3-24 lower-case letters and digits, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the account.')
param location string

@description('Tags applied to the account.')
param tags object

@description('Blob containers to create, e.g. the deployment package container and the dead-letter container.')
param containerNames array

@description('Principal ids of the managed identities that get blob, queue and table data roles on the account.')
param dataPrincipalIds array

@description('Subnets (with the Microsoft.Storage service endpoint) allowed to reach the account; empty keeps public network access with Entra ID auth only.')
param allowedSubnetIds array = []

// Built-in role definition ids (the same in every tenant):
// Storage Blob Data Owner: the host takes blob leases and the platform reads the deployment package.
var storageBlobDataOwnerRoleId = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
// Storage Queue Data Contributor: timer/queue triggers and the probe's queue mode.
var storageQueueDataContributorRoleId = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
// Storage Table Data Contributor: audit trail, decisions and probe history.
var storageTableDataContributorRoleId = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'

var openNetwork = {
  defaultAction: 'Allow'
  bypass: 'AzureServices'
}

// A for-expression may only be the whole value of a variable (BCP138), not one property of it.
var virtualNetworkRules = [
  for subnetId in allowedSubnetIds: {
    id: subnetId
    action: 'Allow'
  }
]

var subnetsOnly = {
  defaultAction: 'Deny'
  bypass: 'AzureServices'
  virtualNetworkRules: virtualNetworkRules
}

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: empty(allowedSubnetIds) ? openNetwork : subnetsOnly
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = [
  for containerName in containerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for principalId in dataPrincipalIds: {
    name: guid(account.id, principalId, storageBlobDataOwnerRoleId)
    scope: account
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwnerRoleId)
    }
  }
]

resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for principalId in dataPrincipalIds: {
    name: guid(account.id, principalId, storageQueueDataContributorRoleId)
    scope: account
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributorRoleId)
    }
  }
]

resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for principalId in dataPrincipalIds: {
    name: guid(account.id, principalId, storageTableDataContributorRoleId)
    scope: account
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributorRoleId)
    }
  }
]

output id string = account.id
output name string = account.name
