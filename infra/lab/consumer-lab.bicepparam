// Example parameters for the consumer lab: the alias comes from the provider lab's plsAlias output.
using 'consumer-lab.bicep'

param plsAlias = 'plglab-pls-web.00000000-0000-0000-0000-000000000000.westeurope.azure.privatelinkservice'
param requestMessage = 'Contoso consumer lab, ticket LAB-1: please approve'
