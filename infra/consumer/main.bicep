// Consumer side: the probe app (Flex Consumption, Node 22 or 24) with outbound VNet integration into
// a subnet of the consumer network, so it reaches http://<private endpoint IP>/ like the consumer's
// VMs do. Its own storage and telemetry; optional read access to the private endpoint(s) so a failing
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

@description('Client id of an Entra app registration in the consumer tenant with the Gatekeeper.Reader app role. Required: App Service Authentication always sits in front of the probe API, since x-ms-client-principal is only trustworthy where Easy Auth strips what callers send.')
@minLength(36)
@maxLength(36)
param authClientId string

@description('NOTIFY_WEBHOOKS from Key Vault: the secret URI of a secret holding the JSON list of webhooks (probe.down / probe.up / probe.degraded); the app\'s identity needs Key Vault Secrets User on it. Empty: notifyWebhooks, or no webhooks.')
param notifyWebhooksSecretUri string = ''

@description('NOTIFY_WEBHOOKS inline (JSON list of {name, kind, url, events}); used when notifyWebhooksSecretUri is empty. Webhook URLs are secrets: prefer the Key Vault reference.')
@secure()
param notifyWebhooks string = ''

@description('DASHBOARD_URL: public URL of the dashboard, for the buttons in notifications; empty for the app\'s own /api/dashboard.')
param dashboardUrl string = ''

@description('METRICS_SCRAPE_TOKEN from Key Vault: the secret URI of the bearer token a Prometheus server sends to GET /api/metrics (32+ RFC 6750 token characters; the app\'s identity needs Key Vault Secrets User on it). Given, /api/metrics is left out of App Service Authentication and the app accepts that token only there. Empty: the route needs the reader role like the other data routes.')
param metricsScrapeTokenSecretUri string = ''

@description('APP_HOST_NAMES: custom domains (comma-separated DNS names) the app is reached at besides its own WEBSITE_HOSTNAME; writes under any other Host are refused (docs/security.md).')
param appHostNames string = ''

@description('Email addresses that receive the availability alerts.')
param alertEmails array = []

@description('Webhook URLs (Azure Monitor common alert schema) that receive the availability alerts.')
param alertWebhookUrls array = []

@description('Failed availability results of one target within 5 minutes that raise its alert (the probe runs every minute by default).')
@minValue(1)
@maxValue(60)
param availabilityAlertFailures int = 3

@description('Availability objective (percent, as text, e.g. "99.9") the burn-rate alert rules judge every target by; empty: no burn-rate rules. Per-target objectives (`slo` in the targets file) drive the app\'s own slo.burn notifications (docs/probe.md).')
param sloAlertAvailability string = '99.9'

@description('Window of that objective in days (the budget the burn rates are measured against).')
@minValue(1)
@maxValue(90)
param sloAlertWindowDays int = 30

@description('TABLE_NAME_PREFIX: prefix of every table the app creates.')
param tableNamePrefix string = 'plg'

@description('Node.js major version the probe app runs on: 22 (default) or 24 where Flex Consumption offers it in the region (docs/deploy.md).')
@allowed([
  '22'
  '24'
])
param nodeVersion string = '22'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var allTags = union(tags, {
  'azd-env-name': environmentName
  product: 'private-link-gatekeeper'
  side: 'consumer'
})
var deploymentContainerName = 'app-package-${resourceToken}'
// Names known before anything exists, given to modules instead of module outputs so what-if keeps
// predicting (linter: what-if-short-circuiting); dependsOn keeps the order.
var identityName = 'id-plgprobe-${resourceToken}'
var storageAccountName = 'stprobe${resourceToken}'
var applicationInsightsName = 'appi-plgprobe-${resourceToken}'
var functionAppName = 'func-plgprobe-${resourceToken}'
var readerRoleName = 'Private Link Gatekeeper probe reader (${environmentName})'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}-consumer' : resourceGroupName
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
    applicationInsightsName: applicationInsightsName
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
  TABLE_NAME_PREFIX: tableNamePrefix
  OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID: identity.outputs.clientId
  // Only principals from this tenant, and only behind Easy Auth (always deployed below).
  AUTH_ALLOWED_TENANT_IDS: tenant().tenantId
}
// Key Vault references resolve with the app's identity (keyVaultReferenceIdentity, function-app.bicep).
var optionalSettings = union(
  !empty(notifyWebhooksSecretUri)
    ? { NOTIFY_WEBHOOKS: '@Microsoft.KeyVault(SecretUri=${notifyWebhooksSecretUri})' }
    : empty(notifyWebhooks) ? {} : { NOTIFY_WEBHOOKS: notifyWebhooks },
  empty(dashboardUrl) ? {} : { DASHBOARD_URL: dashboardUrl },
  empty(appHostNames) ? {} : { APP_HOST_NAMES: appHostNames },
  empty(metricsScrapeTokenSecretUri)
    ? {}
    : { METRICS_SCRAPE_TOKEN: '@Microsoft.KeyVault(SecretUri=${metricsScrapeTokenSecretUri})' }
)

module app '../modules/function-app.bicep' = {
  name: 'app-${resourceToken}'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-plgprobe-${resourceToken}'
    location: location
    tags: allTags
    serviceName: 'probe'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storageAccountName
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: applicationInsightsName
    virtualNetworkSubnetId: integrationSubnetId
    nodeVersion: nodeVersion
    appSettings: union(consumerSettings, optionalSettings)
  }
  dependsOn: [
    storage
    monitoring
  ]
}

module auth '../provider/modules/app-auth.bicep' = {
  name: 'auth-${resourceToken}'
  scope: rg
  params: {
    functionAppName: functionAppName
    clientId: authClientId
    tenantId: tenant().tenantId
    federatedIdentitySettingName: 'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID'
    // With a scrape token, /api/metrics is the app's to guard (shared/auth/scrape-token.ts): a
    // Prometheus server has no Entra token for Easy Auth to accept.
    excludedPaths: concat(['/api/health'], empty(metricsScrapeTokenSecretUri) ? [] : ['/api/metrics'])
  }
  dependsOn: [
    app
  ]
}

module readerRoleDefinition 'modules/pe-reader-role.bicep' = if (!empty(privateEndpointIds)) {
  name: 'pe-role-${resourceToken}'
  params: {
    roleName: readerRoleName
  }
}

// Assignments of the just-created custom role wait for its definition and for the function app, so the
// definition has time to replicate (RoleDefinitionDoesNotExist otherwise; see the same ordering and
// its sources in infra/provider/main.bicep). Deploying again succeeds if a first deployment still
// meets that error.
module privateEndpointAccess 'modules/pe-role-assignment.bicep' = [
  for (privateEndpointId, i) in privateEndpointIds: {
    name: 'pe-access-${i}-${resourceToken}'
    scope: resourceGroup(split(privateEndpointId, '/')[2], split(privateEndpointId, '/')[4])
    params: {
      privateEndpointName: last(split(privateEndpointId, '/'))
      roleGuid: guid(subscription().id, readerRoleName)
      principalId: identity.outputs.principalId
      principalKey: resourceId(subscription().subscriptionId, rg.name, 'Microsoft.ManagedIdentity/userAssignedIdentities', identityName)
    }
    dependsOn: [
      readerRoleDefinition
      app
    ]
  }
]

// One alert per target: the probe sends one availability result per target and run (test name =
// the target's display name), so the rule splits by `name`.
var availabilityAlertRules = [
  {
    name: 'target-unavailable'
    description: 'A probe target failed at least ${availabilityAlertFailures} times in 5 minutes (availabilityResults, success == false); the alert names the target.'
    severity: 1
    query: 'availabilityResults | where success == false'
    operator: 'GreaterThanOrEqual'
    threshold: availabilityAlertFailures
    windowSize: 'PT5M'
    evaluationFrequency: 'PT5M'
    dimensions: [
      'name'
    ]
  }
]

// Multi-window, multi-burn-rate rules after the Google SRE workbook ("Alerting on SLOs",
// multiwindow multi-burn-rate alerts): page when 2 % of the budget burns in 1 h (checked over 1 h
// and 5 min) or 5 % in 6 h (over 6 h and 30 min). The same exclusions as the app's budget
// (shared/probe/core/slo.ts): runs in maintenance and failures while the PLS connection was not
// Approved are left out (the availability result carries both as custom dimensions,
// shared/telemetry/core/availability-record.ts). Azure Monitor resolves a rule's alert itself
// once the query returns no row (autoMitigate in alerts.bicep).
var burnRules = [
  { name: 'slo-burn-1h', share: '0.02', longMinutes: 60, shortMinutes: 5, severity: 1, frequency: 'PT5M' }
  { name: 'slo-burn-6h', share: '0.05', longMinutes: 360, shortMinutes: 30, severity: 2, frequency: 'PT15M' }
]
var sloBurnAlertRules = [
  for rule in burnRules: {
    name: rule.name
    description: 'SLO burn rate: a target spends its ${sloAlertAvailability} % / ${sloAlertWindowDays}-day error budget at ${rule.share} of it per ${rule.longMinutes} minutes or faster, over ${rule.longMinutes} and ${rule.shortMinutes} minutes (maintenance and not-Approved time left out).'
    severity: rule.severity
    query: join(
      [
        'let allowed = 1.0 - todouble(\'${sloAlertAvailability}\') / 100.0;'
        'let threshold = ${rule.share} * ${sloAlertWindowDays}.0 * 1440.0 / ${rule.longMinutes}.0;'
        'availabilityResults'
        '| where timestamp > ago(${rule.longMinutes}m)'
        '| where tostring(customDimensions.inMaintenance) != "true"'
        '| where not(success == false and isnotempty(tostring(customDimensions.connectionState)) and tostring(customDimensions.connectionState) != "Approved")'
        '| summarize longBad = countif(success == false), longAll = count(), shortBad = countif(success == false and timestamp > ago(${rule.shortMinutes}m)), shortAll = countif(timestamp > ago(${rule.shortMinutes}m)) by name'
        '| extend longBurn = todouble(longBad) / longAll / allowed, shortBurn = iff(shortAll == 0, 0.0, todouble(shortBad) / shortAll / allowed)'
        '| where longBurn >= threshold and shortBurn >= threshold'
      ],
      '\n'
    )
    operator: 'GreaterThanOrEqual'
    threshold: 1
    windowSize: 'PT${rule.longMinutes}M'
    evaluationFrequency: rule.frequency
    dimensions: [
      'name'
    ]
  }
]

module alerts '../modules/alerts.bicep' = {
  name: 'alerts-${resourceToken}'
  scope: rg
  params: {
    namePrefix: 'plgprobe-${resourceToken}'
    location: location
    tags: allTags
    applicationInsightsName: applicationInsightsName
    alertEmails: alertEmails
    alertWebhookUrls: alertWebhookUrls
    rules: concat(availabilityAlertRules, empty(sloAlertAvailability) ? [] : sloBurnAlertRules)
  }
  dependsOn: [
    monitoring
  ]
}

output AZURE_RESOURCE_GROUP string = rg.name
output PROBE_FUNCTION_APP_NAME string = app.outputs.name
output PROBE_APP_URI string = 'https://${app.outputs.defaultHostName}'
output PROBE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
