// Event Grid → onConnectionEvent. Events are only a hint ("PLS X may have changed"); the function
// re-reads the connection from ARM, and the reconciliation timer is the source of truth. The filters
// are held to shared/approval/core/event-filter.ts (ACCEPTED_EVENT_TYPES / ACCEPTED_OPERATION_NAMES) by
// test/infra, so Event Grid delivers exactly what the handler acts on.
//
// Deploy this only after the app's code is deployed: Event Grid validates an AzureFunction
// endpoint against the function itself (azure.yaml runs it as a postdeploy hook).

@description('Name of the approval function app.')
param functionAppName string

@description('Name of the Microsoft.Resources.Subscriptions system topic (system-topic.bicep).')
param systemTopicName string

@description('Storage account that holds the dead-letter container.')
param storageAccountName string

@description('Blob container for events that could not be delivered.')
param deadLetterContainerName string

@description('Also subscribe to the Azure Resource Notifications (ARN) resources topic, which carries full resource payloads. The topic must already exist in this resource group.')
param resourceNotificationsTopicName string = ''

@description('Delivery attempts before an event is dead-lettered.')
@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int = 10

@description('Minutes an undelivered event is retried before it is dead-lettered.')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 60

resource site 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource subscriptionTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource notificationsTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = if (!empty(resourceNotificationsTopicName)) {
  name: resourceNotificationsTopicName
}

var subscriptionTopicEventTypes = [
  'Microsoft.Resources.ResourceWriteSuccess'
  'Microsoft.Resources.ResourceDeleteSuccess'
]

var plsOperationNames = [
  'Microsoft.Network/privateLinkServices/write'
  'Microsoft.Network/privateLinkServices/delete'
  'Microsoft.Network/privateLinkServices/privateEndpointConnections/write'
  'Microsoft.Network/privateLinkServices/privateEndpointConnections/delete'
]

var notificationsTopicEventTypes = [
  'Microsoft.ResourceNotifications.Resources.CreatedOrUpdated'
]

var deliveryRetry = {
  maxDeliveryAttempts: maxDeliveryAttempts
  eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
}

var deadLetter = {
  identity: {
    type: 'SystemAssigned'
  }
  deadLetterDestination: {
    endpointType: 'StorageBlob'
    properties: {
      resourceId: storage.id
      blobContainerName: deadLetterContainerName
    }
  }
}

resource onConnectionEvent 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: subscriptionTopic
  name: 'pls-connections-to-${functionAppName}'
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${site.id}/functions/onConnectionEvent'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: subscriptionTopicEventTypes
      enableAdvancedFilteringOnArrays: true
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.operationName'
          values: plsOperationNames
        }
      ]
    }
    retryPolicy: deliveryRetry
    deadLetterWithResourceIdentity: deadLetter
  }
}

// ARN events carry the resource payload but no operationName; the subject (the resource id) says
// whether the event concerns a Private Link Service.
resource onConnectionNotification 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (!empty(resourceNotificationsTopicName)) {
  parent: notificationsTopic
  name: 'pls-notifications-to-${functionAppName}'
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${site.id}/functions/onConnectionEvent'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: notificationsTopicEventTypes
      advancedFilters: [
        {
          operatorType: 'StringContains'
          key: 'subject'
          values: [
            '/providers/Microsoft.Network/privateLinkServices/'
          ]
        }
      ]
    }
    retryPolicy: deliveryRetry
    deadLetterWithResourceIdentity: deadLetter
  }
}

output subscriptionName string = onConnectionEvent.name
