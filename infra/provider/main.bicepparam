// Example parameters for the provider app. azd fills AZURE_ENV_NAME / AZURE_LOCATION itself; set the
// rest with `azd env set NAME value` (or export them) before `azd up`.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'plg-dev')

// Comma-separated PLS resource ids, e.g. the provider lab's `plsId` output.
param plsResourceIds = split(readEnvironmentVariable('PLS_RESOURCE_IDS', '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-plg-lab-provider/providers/Microsoft.Network/privateLinkServices/pls-web'), ',')

// Client id of the app registration created with `az ad app create` (docs/deploy.md).
param authClientId = readEnvironmentVariable('AUTH_CLIENT_ID', '00000000-0000-0000-0000-000000000000')

// dry-run first: the app decides and audits, and writes nothing to ARM (docs/deploy.md, step 4).
param approvalMode = readEnvironmentVariable('APPROVAL_MODE', 'dry-run')

// The approval policy is part of the deployment: `npm run policy:starter` writes this file (the
// repository ships a placeholder that leaves every connection to a person).
param approvalPolicy = loadTextContent('approval-policy.yaml')

param deployEventSubscription = bool(readEnvironmentVariable('DEPLOY_EVENT_SUBSCRIPTION', 'false'))

param tags = {
  owner: 'platform-team'
}
