// Example parameters for the consumer lab: the alias comes from the provider lab's plsAlias output.
using 'consumer-lab.bicep'

param plsAlias = 'plglab-pls-web.00000000-0000-0000-0000-000000000000.westeurope.azure.privatelinkservice'
// A change ticket in the form the starter policy's rules look for (CHG + 7 digits).
param requestMessage = 'Contoso consumer lab, change CHG0000001: please approve'
