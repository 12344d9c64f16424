// Consumer lab: the consumer network on the SAME 10.0.0.0/16 as the provider (peering is impossible,
// which is why Private Link is used), a private endpoint that asks for the provider's PLS by alias
// with a request message, and a subnet delegated for the probe app's VNet integration. Across
// tenants the connection arrives on the PLS as Pending until the provider (or the Gatekeeper)
// approves it. Deploy into an empty resource group of the consumer subscription.

@description('Azure region of every resource (the PLS may be in another region).')
param location string = resourceGroup().location

@description('Extra tags for every resource.')
param tags object = {}

@description('Prefix of every resource name.')
@minLength(2)
@maxLength(12)
param namePrefix string = 'plglab'

@description('Address space of the consumer VNet; the same as the provider\'s on purpose.')
param vnetAddressPrefix string = '10.0.0.0/16'

@description('Subnet of the private endpoint.')
param endpointSubnetPrefix string = '10.0.1.0/24'

@description('Subnet delegated to Microsoft.App/environments for the probe app (Flex Consumption VNet integration).')
param probeSubnetPrefix string = '10.0.2.0/24'

@description('Alias of the provider\'s Private Link Service (provider-lab output plsAlias), e.g. plglab-pls-web.<guid>.<region>.azure.privatelinkservice.')
param plsAlias string

@description('Request message the provider sees on the Pending connection (ARM allows at most 140 characters).')
@maxLength(140)
param requestMessage string = 'Consumer lab: please approve (change CHG0000001)'

@description('Text the probe expects in the IIS default page.')
param expectedBodyText string = 'IIS Windows Server'

var allTags = union(tags, {
  product: 'private-link-gatekeeper'
  side: 'consumer-lab'
})
var vnetName = '${namePrefix}-vnet-consumer'
var endpointSubnetName = 'snet-endpoints'
var probeSubnetName = 'snet-probe-func'
var privateEndpointName = '${namePrefix}-pe-web'
// Named by us (customNetworkInterfaceName), so the IP lookup knows the NIC before the endpoint exists.
var endpointNicName = '${privateEndpointName}-nic'

resource vnet 'Microsoft.Network/virtualNetworks@2025-05-01' = {
  name: vnetName
  location: location
  tags: allTags
  properties: {
    addressSpace: {
      addressPrefixes: [
        vnetAddressPrefix
      ]
    }
    subnets: [
      {
        name: endpointSubnetName
        properties: {
          addressPrefix: endpointSubnetPrefix
        }
      }
      {
        name: probeSubnetName
        properties: {
          addressPrefix: probeSubnetPrefix
          // Flex Consumption integrates with subnets delegated to Microsoft.App/environments.
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
          // Lets the probe's storage account accept only this subnet (consumer main restrictStorageToSubnet).
          serviceEndpoints: [
            {
              service: 'Microsoft.Storage'
            }
          ]
        }
      }
    ]
  }
}

resource endpointSubnet 'Microsoft.Network/virtualNetworks/subnets@2025-05-01' existing = {
  parent: vnet
  name: endpointSubnetName
}

resource probeSubnet 'Microsoft.Network/virtualNetworks/subnets@2025-05-01' existing = {
  parent: vnet
  name: probeSubnetName
}

resource privateEndpoint 'Microsoft.Network/privateEndpoints@2025-05-01' = {
  name: privateEndpointName
  location: location
  tags: allTags
  properties: {
    subnet: {
      id: endpointSubnet.id
    }
    customNetworkInterfaceName: endpointNicName
    // A manual connection: the provider (in another tenant) decides. ARM accepts the PLS alias
    // where a resource id is expected, which is how cross-tenant consumers connect.
    manualPrivateLinkServiceConnections: [
      {
        name: '${namePrefix}-to-provider'
        properties: {
          privateLinkServiceId: plsAlias
          requestMessage: requestMessage
        }
      }
    ]
  }
}

module endpointIp 'modules/nic-private-ip.bicep' = {
  name: '${privateEndpointName}-ip'
  params: {
    networkInterfaceName: endpointNicName
  }
  dependsOn: [
    privateEndpoint
  ]
}

var suggestedTargets = [
  {
    id: 'iis-via-private-link'
    url: 'http://${endpointIp.outputs.privateIp}/'
    expectedIp: endpointIp.outputs.privateIp
    assertions: {
      status: [
        200
      ]
      bodyContains: [
        expectedBodyText
      ]
    }
    dependsOn: privateEndpoint.id
  }
]

output privateEndpointId string = privateEndpoint.id
output privateEndpointIp string = endpointIp.outputs.privateIp
output probeSubnetId string = probeSubnet.id
output vnetId string = vnet.id
// PROBE_TARGETS for the consumer probe app (consumer/main.bicep probeTargets).
output suggestedProbeTargets string = string(suggestedTargets)
