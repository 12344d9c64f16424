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

// The PLS exposure audit: report, dry-run, or enforce (which alone grants the PLS write; docs/deploy.md).
param exposureMode = readEnvironmentVariable('EXPOSURE_MODE', 'report')

// The approval policy is part of the deployment: `npm run policy:starter` writes this file (the
// repository ships a placeholder that leaves every connection to a person).
param approvalPolicy = loadTextContent('approval-policy.yaml')

// Discovery (docs/deploy.md, "Discovered services"): subscriptions get the read-only discovery role;
// ALLOW_DISCOVERED_WRITES=true also gives the operator role there (every PLS in them).
param plsDiscoveryScope = readEnvironmentVariable('PLS_DISCOVERY_SCOPE', '')
param plsDiscoveryTag = readEnvironmentVariable('PLS_DISCOVERY_TAG', '')
param allowDiscoveredWrites = bool(readEnvironmentVariable('ALLOW_DISCOVERED_WRITES', 'false'))

param deployEventSubscription = bool(readEnvironmentVariable('DEPLOY_EVENT_SUBSCRIPTION', 'false'))

// Node 22 unless APP_NODE_VERSION says 24 (`azd env set APP_NODE_VERSION 24`, where the region's
// Flex Consumption offers it; docs/deploy.md). Not NODE_VERSION: Node's container images set that.
param nodeVersion = readEnvironmentVariable('APP_NODE_VERSION', '22')

param tags = {
  owner: 'platform-team'
}
