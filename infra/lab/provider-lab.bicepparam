// Example parameters for the provider lab. The password comes from the environment, never from a file:
//   export LAB_ADMIN_PASSWORD='...'  (12+ characters, 3 of: lower, upper, digit, symbol)
using 'provider-lab.bicep'

param adminUsername = 'labadmin'
param adminPassword = readEnvironmentVariable('LAB_ADMIN_PASSWORD')

// The consumer's subscription (another tenant is fine): only it can see the PLS.
param consumerSubscriptionIds = [
  '22222222-2222-2222-2222-222222222222'
]

param natIpCount = 2
param deployBastion = false
