// The opt-in custom role for EXPOSURE_MODE=enforce: writing a Private Link Service (its visibility and
// accessMode). Deployed and assigned only when exposureMode is 'enforce', so the operator role stays
// read-and-decide; the actions are ARM_EXPOSURE_WRITE_OPERATIONS (shared/arm/arm-operations.ts,
// test/infra holds them equal).
targetScope = 'subscription'

@description('Display name of the role; unique in the tenant, so it carries the environment name. The role\'s GUID is guid(subscription().id, roleName), which callers compute too.')
param roleName string

@description('Scopes (subscriptions) where the role may be assigned: every subscription holding a managed Private Link Service.')
param assignableScopes array

var plsExposureWriterActions = [
  'Microsoft.Network/privateLinkServices/write'
]

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, roleName)
  properties: {
    roleName: roleName
    description: 'Private Link Gatekeeper (EXPOSURE_MODE=enforce): set a Private Link Service\'s visibility and accessMode from the approval policy.'
    type: 'CustomRole'
    assignableScopes: assignableScopes
    permissions: [
      {
        actions: plsExposureWriterActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

output roleGuid string = role.name
