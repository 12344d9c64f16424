// Reads the private IP of a network interface. A module, because the NIC of a private endpoint is
// only known once the endpoint exists, and an `existing` reference needs its name up front.

@description('Resource id of the network interface (in this resource group).')
param networkInterfaceId string

resource nic 'Microsoft.Network/networkInterfaces@2024-05-01' existing = {
  name: last(split(networkInterfaceId, '/'))
}

output privateIp string = nic.properties.ipConfigurations[0].properties.privateIPAddress
