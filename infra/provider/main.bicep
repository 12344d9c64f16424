// Provider side: the approval app (Flex Consumption, Node 22/24) with identity, storage, telemetry,
// Easy Auth, the custom role on every managed Private Link Service and the Event Grid system topic.
// `azd up` deploys it (azure.yaml); `az deployment sub create` works the same way (docs/deploy.md).
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

@description('Application (client) id of the Entra app registration that defines the Gatekeeper.Reader and Gatekeeper.Approver app roles (see docs/deploy.md).')
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

@description('EXPOSURE_MODE: report compares each PLS\'s exposure settings with the policy; dry-run also records the settings plan the policy implies; enforce writes a recorded plan, and only then is the app granted Microsoft.Network/privateLinkServices/write (pls-exposure-writer-role.bicep).')
@allowed([
  'report'
  'dry-run'
  'enforce'
])
param exposureMode string = 'report'

@description('APPROVAL_POLICY_PATH: policy file shipped with the app package, relative to the app root.')
param approvalPolicyPath string = 'approval-policy.yaml'

@description('APPROVAL_POLICY: the policy inline (YAML or JSON); main.bicepparam loads infra/provider/approval-policy.yaml (npm run policy:starter writes it). Empty falls back to the file at approvalPolicyPath in the package.')
param approvalPolicy string = ''

@description('RECONCILE_SCHEDULE: six-field NCRONTAB of the reconciliation timer.')
param reconcileSchedule string = '0 */5 * * * *'

@description('RECONCILE_CONCURRENCY: Private Link Services reconciled at once.')
@minValue(1)
@maxValue(64)
param reconcileConcurrency int = 4

@description('RECONCILE_QUEUE_NAME: storage queue of per-PLS reconciliation work (events, continuations).')
param reconcileQueueName string = 'reconcile-requests'

@description('RECONCILE_TIME_BUDGET_SECONDS: seconds one reconciliation invocation decides before it queues the rest.')
@minValue(5)
@maxValue(3600)
param reconcileTimeBudgetSeconds int = 240

@description('WATCH_SCHEDULE: six-field NCRONTAB tick of the "what is new" pass (a tick that is not due returns at once).')
param watchSchedule string = '*/10 * * * * *'

@description('WATCH_MODE: how the "what is new" pass lists new connections: auto, arm, graph or off.')
@allowed([
  'auto'
  'arm'
  'graph'
  'off'
])
param watchMode string = 'auto'

@description('WATCH_READ_SHARE: percent of each subscription\'s ARM read allowance the pass may spend.')
@minValue(1)
@maxValue(100)
param watchReadShare int = 10

@description('WATCH_GRAPH_SHARE: percent of the Resource Graph per-user quota the pass may spend.')
@minValue(1)
@maxValue(100)
param watchGraphShare int = 20

@description('WATCH_ARM_MAX_SERVICES: in auto mode with discovery on, ARM lists up to this many managed services, Resource Graph above.')
@minValue(1)
@maxValue(1000000)
param watchArmMaxServices int = 500

@description('TENANT_CACHE_TTL_HOURS: hours a subscription-to-tenant lookup is trusted.')
@minValue(1)
@maxValue(720)
param tenantCacheTtlHours int = 24

@description('APPROVAL_EXPIRY_REMINDER_HOURS: hours before an approval ends that the connection.expiring reminder goes out.')
@minValue(1)
@maxValue(2160)
param approvalExpiryReminderHours int = 72

@description('APPROVAL_EXPIRY_GRACE_HOURS: hours between the end of an approval and the removal of its connection.')
@minValue(0)
@maxValue(2160)
param approvalExpiryGraceHours int = 24

@description('TWO_PERSON_APPROVAL_HOURS: hours a first approval waits for the second person (two-person rule).')
@minValue(1)
@maxValue(720)
param twoPersonApprovalHours int = 24

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

@description('NOTIFY_WEBHOOKS from Key Vault: the secret URI (https://<vault>.vault.azure.net/secrets/<name>[/<version>]) of a secret holding the JSON list of webhooks; the app\'s identity needs Key Vault Secrets User on it (docs/deploy.md). Empty: notifyWebhooks, or no webhooks.')
param notifyWebhooksSecretUri string = ''

@description('NOTIFY_WEBHOOKS inline (JSON list of {name, kind, url, events}); used when notifyWebhooksSecretUri is empty. Webhook URLs are secrets: prefer the Key Vault reference.')
@secure()
param notifyWebhooks string = ''

@description('ONBOARDING_CODE_KEY from Key Vault: the secret URI of the key that signs onboarding codes (32+ characters; the app\'s identity needs Key Vault Secrets User on it). Empty: onboarding codes are off.')
param onboardingCodeKeySecretUri string = ''

@description('ONBOARDING_CODE_KEY_PREVIOUS from Key Vault: the secret URI of the key before the last rotation (its codes still verify). Empty: none.')
param onboardingCodeKeyPreviousSecretUri string = ''

@description('DASHBOARD_URL: public URL of the dashboard, for the buttons in notifications; empty for the app\'s own /api/dashboard.')
param dashboardUrl string = ''

@description('ENTITLEMENT_URL: the provider\'s own system that `action: entitlement` policy rules ask with a signed request (docs/approval.md); https. Empty: no entitlement check (such rules leave connections for a person).')
param entitlementUrl string = ''

@description('ENTITLEMENT_SIGNING_KEY from Key Vault: the secret URI (https://<vault>.vault.azure.net/secrets/<name>[/<version>]) of the HMAC key (at least 32 characters) that signs entitlement requests; the app\'s identity needs Key Vault Secrets User on it. Required with entitlementUrl.')
param entitlementSigningKeySecretUri string = ''

@description('ENTITLEMENT_TIMEOUT_SECONDS: how long one entitlement request may take before the connection is left for a person.')
@minValue(1)
@maxValue(30)
param entitlementTimeoutSeconds int = 5

@description('APP_HOST_NAMES: custom domains (comma-separated DNS names) the app is reached at besides its own WEBSITE_HOSTNAME; writes under any other Host are refused (docs/security.md).')
param appHostNames string = ''

@description('PLS_DISCOVERY_SCOPE: besides plsResourceIds, manage every Private Link Service that Azure Resource Graph finds in these subscription ids (comma separated) or in managementGroup:<id>. Empty: no discovery. Listed subscriptions get the read-only discovery role here; a management group needs discovery-reader-mg.bicep (docs/deploy.md).')
param plsDiscoveryScope string = ''

@description('PLS_DISCOVERY_TAG: only discovered services carrying this tag, as name=value. Needs plsDiscoveryScope.')
param plsDiscoveryTag string = ''

@description('WIDENS THE WRITE RIGHT: also assign the operator role (approve, reject, remove connections) at every subscription plsDiscoveryScope lists, so discovered services can be decided. That covers every Private Link Service in those subscriptions, tagged or not. Off: discovered services are read only, and health names each one the app cannot write with the role to assign (docs/deploy.md).')
param allowDiscoveredWrites bool = false

@description('NOTIFY_PENDING_REMINDER_HOURS: hours a connection may wait for a person before connection.reminder is sent again.')
@minValue(1)
@maxValue(720)
param pendingReminderHours int = 24

@description('Email addresses that receive the Azure Monitor alerts (reconciliation failing, runs missed, connections waiting).')
param alertEmails array = []

@description('Webhook URLs (Azure Monitor common alert schema) that receive the Azure Monitor alerts.')
param alertWebhookUrls array = []

@description('Alert when no reconciliation run has finished for this many minutes (the timer runs every 5 minutes by default). One of the window sizes log search alerts accept.')
@allowed([
  15
  30
  45
  60
])
param missedRunAlertMinutes int = 30

@description('Alert when some connection has waited for a person this many hours (every reconciliation run in the window left a connection to a person).')
@minValue(1)
@maxValue(48)
param pendingAlertHours int = 24

@description('Maximum on-demand instances per scale group of the Flex Consumption app (the plan accepts 40 to 1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Node.js major version the app runs on: 22 (default) or 24 where Flex Consumption offers it in the region (docs/deploy.md).')
@allowed([
  '22'
  '24'
])
param nodeVersion string = '22'

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
var applicationInsightsName = 'appi-plg-${resourceToken}'
var identityName = 'id-plg-${resourceToken}'
var operatorRoleName = 'Private Link Gatekeeper operator (${environmentName})'
var exposureWriterRoleName = 'Private Link Gatekeeper exposure writer (${environmentName})'
var exposureWrites = exposureMode == 'enforce'
var discoveryReaderRoleName = 'Private Link Gatekeeper discovery reader (${environmentName})'
// The subscriptions PLS_DISCOVERY_SCOPE lists (comma or newline separated, as the app parses it); none
// for a management group, which a subscription-scoped deployment cannot assign at.
var discoverySubscriptions = startsWith(trim(plsDiscoveryScope), 'managementGroup:')
  ? []
  : filter(map(split(replace(plsDiscoveryScope, '\n', ','), ','), id => toLower(trim(id))), id => !empty(id))
var discoveredWriteScopes = allowDiscoveredWrites ? map(discoverySubscriptions, id => '/subscriptions/${id}') : []
// Names every module can be given before anything exists. Passing module outputs where a module
// uses them as resource names makes what-if stop predicting (linter: what-if-short-circuiting), so
// modules get these and an explicit dependsOn for the order.
// App setting that Easy Auth reads the federated-credential client id from (no client secret).
var federatedIdentitySettingName = 'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}-provider' : resourceGroupName
  location: location
  tags: allTags
}

module identity '../modules/identity.bicep' = {
  name: 'identity-${resourceToken}'
  scope: rg
  params: {
    name: identityName
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
    applicationInsightsName: applicationInsightsName
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
  EXPOSURE_MODE: exposureMode
  APPROVAL_POLICY_PATH: approvalPolicyPath
  RECONCILE_SCHEDULE: reconcileSchedule
  RECONCILE_CONCURRENCY: string(reconcileConcurrency)
  RECONCILE_QUEUE_NAME: reconcileQueueName
  RECONCILE_TIME_BUDGET_SECONDS: string(reconcileTimeBudgetSeconds)
  TENANT_CACHE_TTL_HOURS: string(tenantCacheTtlHours)
  APPROVAL_EXPIRY_REMINDER_HOURS: string(approvalExpiryReminderHours)
  APPROVAL_EXPIRY_GRACE_HOURS: string(approvalExpiryGraceHours)
  TWO_PERSON_APPROVAL_HOURS: string(twoPersonApprovalHours)
  WATCH_SCHEDULE: watchSchedule
  WATCH_MODE: watchMode
  WATCH_READ_SHARE: string(watchReadShare)
  WATCH_GRAPH_SHARE: string(watchGraphShare)
  WATCH_ARM_MAX_SERVICES: string(watchArmMaxServices)
  ENTITLEMENT_TIMEOUT_SECONDS: string(entitlementTimeoutSeconds)
  AUTH_MODE: 'easyauth'
  AUTH_READER_ROLE: readerRole
  AUTH_APPROVER_ROLE: approverRole
  TABLE_NAME_PREFIX: tableNamePrefix
  WEBSITE_AUTH_AAD_ALLOWED_TENANTS: authTenantId
  // Principals from other tenants are refused by the app too, not only by Easy Auth.
  AUTH_ALLOWED_TENANT_IDS: authTenantId
  NOTIFY_PENDING_REMINDER_HOURS: string(pendingReminderHours)
  '${federatedIdentitySettingName}': identity.outputs.clientId
}
var inlinePolicySettings = empty(approvalPolicy) ? {} : { APPROVAL_POLICY: approvalPolicy }
// App Service resolves @Microsoft.KeyVault(SecretUri=...) with the identity in
// keyVaultReferenceIdentity (function-app.bicep), so the URL list never sits in the site config.
var optionalSettings = union(
  !empty(notifyWebhooksSecretUri)
    ? { NOTIFY_WEBHOOKS: '@Microsoft.KeyVault(SecretUri=${notifyWebhooksSecretUri})' }
    : empty(notifyWebhooks) ? {} : { NOTIFY_WEBHOOKS: notifyWebhooks },
  empty(dashboardUrl) ? {} : { DASHBOARD_URL: dashboardUrl },
  empty(appHostNames) ? {} : { APP_HOST_NAMES: appHostNames },
  empty(plsDiscoveryScope) ? {} : { PLS_DISCOVERY_SCOPE: plsDiscoveryScope },
  empty(plsDiscoveryTag) ? {} : { PLS_DISCOVERY_TAG: plsDiscoveryTag },
  empty(entitlementUrl) ? {} : { ENTITLEMENT_URL: entitlementUrl },
  // The signing key is a Key Vault reference only: it never sits in the site config or a parameter file.
  empty(entitlementSigningKeySecretUri)
    ? {}
    : { ENTITLEMENT_SIGNING_KEY: '@Microsoft.KeyVault(SecretUri=${entitlementSigningKeySecretUri})' },
  empty(onboardingCodeKeySecretUri)
    ? {}
    : { ONBOARDING_CODE_KEY: '@Microsoft.KeyVault(SecretUri=${onboardingCodeKeySecretUri})' },
  empty(onboardingCodeKeyPreviousSecretUri)
    ? {}
    : { ONBOARDING_CODE_KEY_PREVIOUS: '@Microsoft.KeyVault(SecretUri=${onboardingCodeKeyPreviousSecretUri})' }
)

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
    storageAccountName: storageAccountName
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: applicationInsightsName
    maximumInstanceCount: maximumInstanceCount
    nodeVersion: nodeVersion
    appSettings: union(providerSettings, inlinePolicySettings, optionalSettings)
  }
  dependsOn: [
    storage
    monitoring
  ]
}

module auth 'modules/app-auth.bicep' = {
  name: 'auth-${resourceToken}'
  scope: rg
  params: {
    functionAppName: functionAppName
    clientId: authClientId
    tenantId: authTenantId
    federatedIdentitySettingName: federatedIdentitySettingName
    excludedPaths: [
      '/api/health'
      '/runtime/webhooks/eventgrid'
      '/runtime/webhooks/EventGrid'
    ]
  }
  dependsOn: [
    app
  ]
}

module plsRole 'modules/pls-operator-role.bicep' = {
  name: 'pls-role-${resourceToken}'
  params: {
    roleName: operatorRoleName
    assignableScopes: union(
      [subscription().id],
      map(plsResourceIds, plsId => '/subscriptions/${split(plsId, '/')[2]}'),
      discoveredWriteScopes
    )
  }
}

// A just-created custom role is not yet usable everywhere: an assignment that names it can fail with
// RoleDefinitionDoesNotExist until the definition has replicated (a transient error: "Errors creating
// Role Definitions and Role Assignments" in the Azure/terraform-azurerm-caf-enterprise-scale wiki
// Troubleshooting page; hashicorp/terraform-provider-azurerm#10442). So the assignments wait for the
// definition and for the function app, this deployment's longest step, which gives the definition
// that time to replicate. It narrows the window without closing it: should a first deployment still
// fail with that code, deploying again succeeds, since every resource here is idempotent and the
// definition exists by then (docs/deploy.md, step 5).
module plsAccess 'modules/pls-role-assignment.bicep' = [
  for (plsId, i) in plsResourceIds: {
    name: 'pls-access-${i}-${resourceToken}'
    scope: resourceGroup(split(plsId, '/')[2], split(plsId, '/')[4])
    params: {
      privateLinkServiceName: last(split(plsId, '/'))
      roleGuid: guid(subscription().id, operatorRoleName)
      principalId: identity.outputs.principalId
      principalKey: resourceId(subscription().subscriptionId, rg.name, 'Microsoft.ManagedIdentity/userAssignedIdentities', identityName)
    }
    dependsOn: [
      plsRole
      app
    ]
  }
]

// Discovery (PLS_DISCOVERY_SCOPE listing subscriptions): Resource Graph returns only what the
// identity may read, so it gets the read-only discovery role at each listed subscription. The same
// wait for the definition and the app as above.
module discoveryReaderRole 'modules/pls-discovery-reader-role.bicep' = if (!empty(discoverySubscriptions)) {
  name: 'discovery-role-${resourceToken}'
  params: {
    roleName: discoveryReaderRoleName
    assignableScopes: union([subscription().id], map(discoverySubscriptions, id => '/subscriptions/${id}'))
  }
}

module discoveryReaderAccess 'modules/subscription-role-assignment.bicep' = [
  for (subscriptionId, i) in discoverySubscriptions: {
    name: 'discovery-access-${i}-${resourceToken}'
    scope: subscription(subscriptionId)
    params: {
      roleGuid: guid(subscription().id, discoveryReaderRoleName)
      principalId: identity.outputs.principalId
      principalKey: resourceId(subscription().subscriptionId, rg.name, 'Microsoft.ManagedIdentity/userAssignedIdentities', identityName)
    }
    dependsOn: [
      discoveryReaderRole
      app
    ]
  }
]

// allowDiscoveredWrites only: the operator role at each listed subscription, so discovered services
// can be decided. It covers every PLS there (a tag cannot narrow a role assignment).
module discoveredWriteAccess 'modules/subscription-role-assignment.bicep' = [
  for (subscriptionId, i) in discoverySubscriptions: if (allowDiscoveredWrites) {
    name: 'discovery-write-${i}-${resourceToken}'
    scope: subscription(subscriptionId)
    params: {
      roleGuid: guid(subscription().id, operatorRoleName)
      principalId: identity.outputs.principalId
      principalKey: resourceId(subscription().subscriptionId, rg.name, 'Microsoft.ManagedIdentity/userAssignedIdentities', identityName)
    }
    dependsOn: [
      plsRole
      app
    ]
  }
]

// EXPOSURE_MODE=enforce only: the PLS write (visibility, accessMode) in a role of its own, so a
// deployment that does not enforce never holds it (docs/deploy.md, "Exposure enforce mode").
module plsExposureRole 'modules/pls-exposure-writer-role.bicep' = if (exposureWrites) {
  name: 'pls-exposure-role-${resourceToken}'
  params: {
    roleName: exposureWriterRoleName
    assignableScopes: union([subscription().id], map(plsResourceIds, plsId => '/subscriptions/${split(plsId, '/')[2]}'))
  }
}

module plsExposureAccess 'modules/pls-role-assignment.bicep' = [
  for (plsId, i) in plsResourceIds: if (exposureWrites) {
    name: 'pls-exposure-access-${i}-${resourceToken}'
    scope: resourceGroup(split(plsId, '/')[2], split(plsId, '/')[4])
    params: {
      privateLinkServiceName: last(split(plsId, '/'))
      roleGuid: guid(subscription().id, exposureWriterRoleName)
      principalId: identity.outputs.principalId
      principalKey: resourceId(subscription().subscriptionId, rg.name, 'Microsoft.ManagedIdentity/userAssignedIdentities', identityName)
    }
    dependsOn: [
      plsExposureRole
      app
    ]
  }
]

module topic 'modules/system-topic.bicep' = {
  name: 'topic-${resourceToken}'
  scope: rg
  params: {
    name: topicName
    createSystemTopic: createSystemTopic
    tags: allTags
    storageAccountName: storageAccountName
    deadLetterContainerName: deadLetterContainerName
  }
  dependsOn: [
    storage
  ]
}

module events 'modules/event-subscriptions.bicep' = if (deployEventSubscription) {
  name: 'events-${resourceToken}'
  scope: rg
  params: {
    functionAppName: functionAppName
    systemTopicName: topicName
    storageAccountName: storageAccountName
    deadLetterContainerName: deadLetterContainerName
  }
  dependsOn: [
    app
    topic
  ]
}

// Log search alerts on the lines the app writes through the invocation context (one JSON object per
// line, in the `traces` table with the JSON as `message`). The events and fields they rely on are
// listed in docs/deploy.md#alerts and held to the code by test/infra (alert-contract).
var approvalAlertRules = [
  {
    name: 'reconcile-failed'
    description: 'A reconciliation could not read or decide a Private Link Service (approval.reconcile.pls_failed), or the policy is invalid (approval.policy_invalid).'
    severity: 1
    query: 'traces | where message has_any ("approval.reconcile.pls_failed", "approval.policy_invalid") | extend e = parse_json(message) | where tostring(e.event) in ("approval.reconcile.pls_failed", "approval.policy_invalid") | extend pls = tostring(e.pls), code = tostring(e.code)'
    operator: 'GreaterThan'
    threshold: 0
    windowSize: 'PT15M'
    evaluationFrequency: 'PT5M'
  }
  {
    name: 'reconcile-missed'
    description: 'No reconciliation run finished (approval.reconcile.summary) within ${missedRunAlertMinutes} minutes: the timer is not running or every run fails.'
    severity: 1
    query: 'traces | where timestamp > ago(${missedRunAlertMinutes}m) | where message has "approval.reconcile.summary" | where tostring(parse_json(message).event) == "approval.reconcile.summary"'
    operator: 'LessThan'
    threshold: 1
    windowSize: 'PT${missedRunAlertMinutes}M'
    evaluationFrequency: 'PT5M'
  }
  {
    name: 'connections-waiting'
    description: 'For ${pendingAlertHours} hours every reconciliation run left at least one connection to a person (outcomes.manual > 0): somebody has to approve or reject.'
    severity: 2
    query: 'traces | where timestamp > ago(${pendingAlertHours}h) | where message has "approval.reconcile.summary" | extend e = parse_json(message) | where tostring(e.event) == "approval.reconcile.summary" | summarize runs = count(), waitingRuns = countif(toint(e.outcomes.manual) > 0), first = min(timestamp) | where runs > 0 and runs == waitingRuns and first < ago(${pendingAlertHours - 1}h)'
    operator: 'GreaterThan'
    threshold: 0
    windowSize: 'P2D'
    evaluationFrequency: 'PT1H'
  }
  {
    name: 'exposure-contradiction'
    description: 'A managed Private Link Service exposes more than the approval policy trusts (approval.exposure_contradiction, logged once per contradiction, with the exact fix): one alert per service and setting.'
    severity: 2
    query: 'traces | where message has "approval.exposure_contradiction" | extend e = parse_json(message) | where tostring(e.event) == "approval.exposure_contradiction" | extend pls = tostring(e.pls), key = tostring(e.key), fix = tostring(e.fix)'
    operator: 'GreaterThan'
    threshold: 0
    windowSize: 'PT15M'
    evaluationFrequency: 'PT5M'
    dimensions: [
      'pls'
      'key'
    ]
  }
]

module alerts '../modules/alerts.bicep' = {
  name: 'alerts-${resourceToken}'
  scope: rg
  params: {
    namePrefix: 'plg-${resourceToken}'
    location: location
    tags: allTags
    applicationInsightsName: applicationInsightsName
    alertEmails: alertEmails
    alertWebhookUrls: alertWebhookUrls
    rules: approvalAlertRules
  }
  dependsOn: [
    monitoring
  ]
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
