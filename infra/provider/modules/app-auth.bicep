// App Service Authentication (Easy Auth v2) with Entra ID in front of the whole app: a request
// without a valid token for the app registration gets 401 before any function runs. The app reads
// the caller's app roles (Gatekeeper.Reader / Gatekeeper.Approver) from x-ms-client-principal.

@description('Name of the function app to protect.')
param functionAppName string

@description('Application (client) id of the Entra app registration that defines the app roles.')
param clientId string

@description('Tenant of that app registration.')
param tenantId string

@description('Paths served without authentication: the health route and the Event Grid webhook (Event Grid presents the function key, not a token).')
param excludedPaths array

@description('App setting that names the client id of the managed identity used as a federated credential of the app registration (browser sign-in without a client secret).')
param federatedIdentitySettingName string

resource site 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
}

resource auth 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: excludedPaths
    }
    httpSettings: {
      requireHttps: true
      routes: {
        apiPrefix: '/.auth'
      }
      forwardProxy: {
        convention: 'NoProxy'
      }
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenantId}/v2.0'
          clientId: clientId
          clientSecretSettingName: federatedIdentitySettingName
        }
        validation: {
          allowedAudiences: [
            'api://${clientId}'
            clientId
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}
