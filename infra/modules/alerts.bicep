// Azure Monitor for one app: an action group whose receivers are parameters, and log search alerts
// (scheduled query rules) over the app's Application Insights, each wired to that group. The callers
// hold the queries (provider: reconciliation lines; consumer: availability results), since each
// query relies on what that side's code writes (docs/deploy.md#alerts lists the contract).

@description('Prefix of the action group and alert rule names.')
param namePrefix string

@description('Azure region of the alert rules (the region of the Application Insights component).')
param location string

@description('Tags applied to the action group and the rules.')
param tags object

@description('Name of the Application Insights component the queries run against (monitoring.bicep).')
param applicationInsightsName string

@description('Email addresses that receive the alerts; with alertWebhookUrls empty too, the rules fire without notifying anyone.')
param alertEmails array = []

@description('Webhook URLs (Azure Monitor common alert schema) that receive the alerts, e.g. a Teams workflow or PagerDuty.')
param alertWebhookUrls array = []

@description('Log search alert rules: name, description, severity (0-4), query, operator, threshold, windowSize and evaluationFrequency (ISO 8601), and optional dimensions (columns that split the alert, one alert per value).')
param rules array

var notify = !empty(alertEmails) || !empty(alertWebhookUrls)

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Action groups are global resources: 'global' is their only location.
resource group 'Microsoft.Insights/actionGroups@2023-01-01' = if (notify) {
  name: '${namePrefix}-alerts'
  location: 'global'
  tags: tags
  properties: {
    // Shown as the sender of SMS and email; at most 12 characters.
    groupShortName: take('plg-${namePrefix}', 12)
    enabled: true
    emailReceivers: [
      for (email, i) in alertEmails: {
        name: 'email-${i}'
        emailAddress: email
        useCommonAlertSchema: true
      }
    ]
    webhookReceivers: [
      for (url, i) in alertWebhookUrls: {
        name: 'webhook-${i}'
        serviceUri: url
        useCommonAlertSchema: true
      }
    ]
  }
}

resource alert 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = [
  for rule in rules: {
    name: '${namePrefix}-${rule.name}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: '${namePrefix}: ${rule.name}'
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [
        insights.id
      ]
      evaluationFrequency: rule.evaluationFrequency
      windowSize: rule.windowSize
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Count'
            operator: rule.operator
            threshold: rule.threshold
            dimensions: [
              for column in rule.?dimensions ?? []: {
                name: column
                operator: 'Include'
                values: [
                  '*'
                ]
              }
            ]
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: notify ? [group.id] : []
      }
    }
  }
]

output actionGroupId string = notify ? group.id : ''
output ruleNames array = [for (rule, i) in rules: alert[i].name]
