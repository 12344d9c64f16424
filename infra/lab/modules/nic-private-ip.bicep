// Reads the private IP of a network interface. A module, so the read happens after the private
// endpoint (and with it its NIC) exists: the caller's dependsOn orders it.

@description('Name of the network interface (in this resource group).')
param networkInterfaceName string

resource nic 'Microsoft.Network/networkInterfaces@2025-05-01' existing = {
  name: networkInterfaceName
}

output privateIp string = nic.properties.ipConfigurations[0].properties.privateIPAddress
