// Provider lab: the published service of the scenario (docs/deploy.md). A Windows Server VM running IIS (no public IP)
// behind a Standard internal load balancer, published through a Private Link Service whose alias the
// provider hands to consumers. Deploy into an empty resource group of the provider subscription.

@description('Azure region of every resource.')
param location string = resourceGroup().location

@description('Extra tags for every resource.')
param tags object = {}

@description('Prefix of every resource name.')
@minLength(2)
@maxLength(12)
param namePrefix string = 'plglab'

@description('Address space of the provider VNet (the consumer lab deliberately uses the same).')
param vnetAddressPrefix string = '10.0.0.0/16'

@description('Subnet of the VM, the load balancer frontend and the PLS NAT IPs.')
param providerSubnetPrefix string = '10.0.0.0/24'

@description('AzureBastionSubnet prefix (/26 or larger), used when deployBastion is true.')
param bastionSubnetPrefix string = '10.0.255.0/26'

@description('Deploy Azure Bastion (Basic) to reach the VM without a public IP on it.')
param deployBastion bool = false

@description('Size of the IIS VM.')
param vmSize string = 'Standard_B2s'

@description('Local administrator name of the VM.')
param adminUsername string

@description('Local administrator password of the VM.')
@secure()
param adminPassword string

@description('Number of PLS NAT IP configurations (1 to 8); each one adds source ports for consumer traffic.')
@minValue(1)
@maxValue(8)
param natIpCount int = 1

@description('Consumer subscription ids allowed to see the PLS (visibility "restricted by subscription").')
@minLength(1)
param consumerSubscriptionIds array

@description('Consumer subscription ids whose connections Azure approves by itself (native autoApproval, max 100). Leave empty to let the Gatekeeper decide.')
@maxLength(100)
param autoApprovalSubscriptionIds array = []

var allTags = union(tags, {
  product: 'private-link-gatekeeper'
  side: 'provider-lab'
})
var vnetName = '${namePrefix}-vnet-provider'
var providerSubnetName = 'snet-provider'
var lbName = '${namePrefix}-ilb'
var frontendName = 'frontend'
var backendPoolName = 'iis'
var probeName = 'http-80'

var providerSubnetDefinition = {
  name: providerSubnetName
  properties: {
    addressPrefix: providerSubnetPrefix
    // NAT IPs of a Private Link Service can only be placed where these policies are off.
    privateLinkServiceNetworkPolicies: 'Disabled'
  }
}

var bastionSubnetDefinition = {
  name: 'AzureBastionSubnet'
  properties: {
    addressPrefix: bastionSubnetPrefix
  }
}

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
    subnets: deployBastion ? concat([providerSubnetDefinition], [bastionSubnetDefinition]) : [providerSubnetDefinition]
  }
}

resource providerSubnet 'Microsoft.Network/virtualNetworks/subnets@2025-05-01' existing = {
  parent: vnet
  name: providerSubnetName
}

resource lb 'Microsoft.Network/loadBalancers@2025-05-01' = {
  name: lbName
  location: location
  tags: allTags
  sku: {
    name: 'Standard'
    tier: 'Regional'
  }
  properties: {
    frontendIPConfigurations: [
      {
        name: frontendName
        properties: {
          privateIPAllocationMethod: 'Dynamic'
          subnet: {
            id: providerSubnet.id
          }
        }
      }
    ]
    backendAddressPools: [
      {
        name: backendPoolName
      }
    ]
    probes: [
      {
        name: probeName
        properties: {
          protocol: 'Http'
          port: 80
          requestPath: '/'
          intervalInSeconds: 5
          numberOfProbes: 2
        }
      }
    ]
    loadBalancingRules: [
      {
        name: 'http'
        properties: {
          protocol: 'Tcp'
          frontendPort: 80
          backendPort: 80
          enableFloatingIP: false
          idleTimeoutInMinutes: 4
          loadDistribution: 'Default'
          frontendIPConfiguration: {
            id: resourceId('Microsoft.Network/loadBalancers/frontendIPConfigurations', lbName, frontendName)
          }
          backendAddressPool: {
            id: resourceId('Microsoft.Network/loadBalancers/backendAddressPools', lbName, backendPoolName)
          }
          probe: {
            id: resourceId('Microsoft.Network/loadBalancers/probes', lbName, probeName)
          }
        }
      }
    ]
  }
}

resource nic 'Microsoft.Network/networkInterfaces@2025-05-01' = {
  name: '${namePrefix}-vm-iis-nic'
  location: location
  tags: allTags
  properties: {
    ipConfigurations: [
      {
        name: 'ipconfig1'
        properties: {
          privateIPAllocationMethod: 'Dynamic'
          subnet: {
            id: providerSubnet.id
          }
          loadBalancerBackendAddressPools: [
            {
              id: lb.properties.backendAddressPools[0].id
            }
          ]
        }
      }
    ]
  }
}

resource vm 'Microsoft.Compute/virtualMachines@2025-04-01' = {
  name: '${namePrefix}-vm-iis'
  location: location
  tags: allTags
  properties: {
    hardwareProfile: {
      vmSize: vmSize
    }
    osProfile: {
      computerName: 'iis01'
      adminUsername: adminUsername
      adminPassword: adminPassword
      windowsConfiguration: {
        provisionVMAgent: true
        enableAutomaticUpdates: true
      }
    }
    storageProfile: {
      imageReference: {
        publisher: 'MicrosoftWindowsServer'
        offer: 'WindowsServer'
        sku: '2022-datacenter-azure-edition'
        version: 'latest'
      }
      osDisk: {
        createOption: 'FromImage'
        managedDisk: {
          storageAccountType: 'StandardSSD_LRS'
        }
      }
    }
    networkProfile: {
      networkInterfaces: [
        {
          id: nic.id
        }
      ]
    }
    securityProfile: {
      securityType: 'TrustedLaunch'
      uefiSettings: {
        secureBootEnabled: true
        vTpmEnabled: true
      }
    }
  }
}

// Installs IIS from the OS's own feature store (no internet access needed: the VM has no public IP).
resource installIis 'Microsoft.Compute/virtualMachines/extensions@2025-04-01' = {
  parent: vm
  name: 'install-iis'
  location: location
  tags: allTags
  properties: {
    publisher: 'Microsoft.Compute'
    type: 'CustomScriptExtension'
    typeHandlerVersion: '1.10'
    autoUpgradeMinorVersion: true
    settings: {
      commandToExecute: 'powershell -NoProfile -ExecutionPolicy Bypass -Command "Install-WindowsFeature -Name Web-Server -IncludeManagementTools"'
    }
  }
}

resource pls 'Microsoft.Network/privateLinkServices@2025-05-01' = {
  name: '${namePrefix}-pls-web'
  location: location
  tags: allTags
  properties: {
    enableProxyProtocol: false
    loadBalancerFrontendIpConfigurations: [
      {
        id: lb.properties.frontendIPConfigurations[0].id
      }
    ]
    ipConfigurations: [
      for i in range(0, natIpCount): {
        name: 'nat-${i}'
        properties: {
          primary: i == 0
          privateIPAllocationMethod: 'Dynamic'
          privateIPAddressVersion: 'IPv4'
          subnet: {
            id: providerSubnet.id
          }
        }
      }
    ]
    visibility: {
      subscriptions: consumerSubscriptionIds
    }
    autoApproval: {
      subscriptions: autoApprovalSubscriptionIds
    }
  }
}

resource bastionIp 'Microsoft.Network/publicIPAddresses@2025-05-01' = if (deployBastion) {
  name: '${namePrefix}-bastion-pip'
  location: location
  tags: allTags
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
  }
}

resource bastion 'Microsoft.Network/bastionHosts@2025-05-01' = if (deployBastion) {
  name: '${namePrefix}-bastion'
  location: location
  tags: allTags
  sku: {
    name: 'Basic'
  }
  properties: {
    ipConfigurations: [
      {
        name: 'bastion'
        properties: {
          subnet: {
            id: resourceId('Microsoft.Network/virtualNetworks/subnets', vnetName, 'AzureBastionSubnet')
          }
          publicIPAddress: {
            id: bastionIp.id
          }
        }
      }
    ]
  }
  dependsOn: [
    vnet
  ]
}

// Hand the alias to the consumer; the id goes into the provider app's PLS_RESOURCE_IDS.
output plsId string = pls.id
output plsAlias string = pls.properties.alias
output loadBalancerFrontendIp string = lb.properties.frontendIPConfigurations[0].properties.privateIPAddress
output vmName string = vm.name
