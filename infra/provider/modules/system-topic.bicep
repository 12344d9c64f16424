// The Event Grid system topic on the provider subscription: ARM's write/delete events for every
// resource in it, including the PLS connections. Only one system topic per source may exist, so a
// subscription that already has one is reused (createSystemTopic = false).
//
// Dead letters are written with the topic's system-assigned identity (the event subscription's
// deadLetterWithResourceIdentity), so that identity gets the blob role on the dead-letter container
// in both cases. A reused topic must already have a system-assigned identity
// (`az eventgrid system-topic update --identity systemassigned`, docs/deploy.md); without one this
// deployment fails on its principalId instead of deploying a dead letter that can never be written.

@description('Name of the system topic (new or existing).')
param name string

@description('Create the topic (true) or reuse an existing one with this name in this resource group (false).')
param createSystemTopic bool

@description('Tags applied to the topic.')
param tags object

@description('Storage account that holds the dead-letter container.')
param storageAccountName string

@description('Blob container that receives events Event Grid could not deliver.')
param deadLetterContainerName string

// Built-in role "Storage Blob Data Contributor": the topic's identity writes dead letters.
var storageBlobDataContributorRoleId = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource newTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = if (createSystemTopic) {
  name: name
  // Subscription-level system topics live in the 'global' region by definition.
  location: 'global'
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: subscription().id
    topicType: 'Microsoft.Resources.Subscriptions'
  }
}

resource existingTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = if (!createSystemTopic) {
  name: name
}

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource deadLetters 'containers' existing = {
      name: deadLetterContainerName
    }
  }
}

// The topic's id is known before the deployment starts (unlike its principal), so the assignment's
// name is too, which keeps what-if precise.
var topicId = resourceId('Microsoft.EventGrid/systemTopics', name)

resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::blobService::deadLetters.id, topicId, storageBlobDataContributorRoleId)
  scope: storage::blobService::deadLetters
  properties: {
    principalId: createSystemTopic ? newTopic!.identity.principalId : existingTopic!.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributorRoleId)
  }
}

output name string = name
