// Example parameters for the probe app (consumer side). Values from the consumer lab's outputs.
using 'main.bicep'

param environmentName = 'plg-consumer-dev'

// consumer-lab.bicep output `probeSubnetId`.
param integrationSubnetId = '/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-plg-lab-consumer/providers/Microsoft.Network/virtualNetworks/vnet-consumer/subnets/snet-probe-func'

// consumer-lab.bicep output `suggestedProbeTargets`.
param probeTargets = '[{"id":"iis","url":"http://10.0.1.4/","expectedIp":"10.0.1.4","assertions":{"status":[200],"bodyContains":["IIS"]}}]'

// consumer-lab.bicep output `privateEndpointId`.
param privateEndpointIds = [
  '/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-plg-lab-consumer/providers/Microsoft.Network/privateEndpoints/pe-web'
]

// Client id of the consumer tenant's app registration with the Gatekeeper.Reader role (required:
// Easy Auth always fronts the probe API; docs/deploy.md step 5).
param authClientId = readEnvironmentVariable('PROBE_AUTH_CLIENT_ID', '00000000-0000-0000-0000-000000000000')

// Node 22 unless APP_NODE_VERSION says 24 (where the region's Flex Consumption offers it).
param nodeVersion = readEnvironmentVariable('APP_NODE_VERSION', '22')

param tags = {
  owner: 'consumer-team'
}
