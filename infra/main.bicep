// Bangumoe on Azure: a Flex Consumption (FC1) function app running the .NET 10 isolated worker, storage reached through a
// user-assigned managed identity (no connection strings or account keys), secrets in Key Vault referenced from app
// settings, and Application Insights on a Log Analytics workspace.
//
//   az deployment group create -g <rg> -f infra/main.bicep -p infra/main.dev.bicepparam -p signingKeyPem=@key.pem ...
//
// The deployment package (scripts/package.sh) goes into the `deployments` blob container; see README "Deploy to Azure".

targetScope = 'resourceGroup'

@description('Short name of the environment (dev, prod); part of every resource name.')
@minLength(2)
@maxLength(8)
param environmentName string

@description('Azure region for every resource.')
param location string = resourceGroup().location

@description('Public origin of the service, e.g. https://id.example.com. Empty: the function app\'s default host name.')
param publicBaseUrl string = ''

@description('SMTP relay (Azure Communication Services: smtp.azurecomm.net, port 587, StartTls).')
param smtpHost string
param smtpPort int = 587
@allowed(['None', 'StartTls', 'SslOnConnect'])
param smtpSecurity string = 'StartTls'
param smtpUserName string
param smtpFromAddress string
param smtpFromName string = 'Bangumoe'

@description('SMTP password (for Azure Communication Services: the Entra app\'s client secret).')
@secure()
param smtpPassword string

@description('PEM of the token-signing private key (RSA 2048+ or P-256): `Bangumoe.Functions new-signing-key`.')
@secure()
param signingKeyPem string

@description('Bangumi app id (https://bgm.tv/dev/app); empty leaves Bangumi binding off.')
param bangumiClientId string = ''

@description('Bangumi app secret.')
@secure()
param bangumiClientSecret string = ''

@description('Base64 of 32 random bytes (`openssl rand -base64 32`): encrypts users\' Bangumi tokens at rest.')
@secure()
param bangumiTokenEncryptionKey string = ''

@description('User-Agent sent to Bangumi: your Bangumi id and the app name, as its API policy asks.')
param bangumiUserAgent string = 'bangumoe/bangumoe-import/1.0 (https://github.com/bangumoe/bangumoe)'

@description('Most instances the plan may scale out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

var suffix = uniqueString(subscription().id, resourceGroup().id, environmentName)
var names = {
  storage: take('stbgm${environmentName}${suffix}', 24)
  identity: 'id-bangumoe-${environmentName}'
  workspace: 'log-bangumoe-${environmentName}'
  insights: 'appi-bangumoe-${environmentName}'
  vault: take('kv-bgm-${environmentName}-${suffix}', 24)
  plan: 'plan-bangumoe-${environmentName}'
  app: 'func-bangumoe-${environmentName}-${suffix}'
}
var deploymentContainerName = 'deployments'

// Built-in role definition ids.
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: names.identity
  location: location
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: names.storage
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    // Everything (the host, the app, deployments) signs in with the managed identity.
    allowSharedKeyAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

// The app creates its tables and queues on first use; the queues the host triggers on are declared so they exist
// before the first message.
resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [
  for name in ['email-outbox', 'account-mail-requests', 'bangumi-import']: {
    parent: queueService
    name: name
  }
]

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in [roles.storageBlobDataOwner, roles.storageQueueDataContributor, roles.storageTableDataContributor]: {
    name: guid(storage.id, identity.id, role)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: names.workspace
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: names.insights
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

resource insightsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: insights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: names.vault
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
  }
}

var secretValues = {
  'smtp-password': smtpPassword
  'signing-key': signingKeyPem
  'bangumi-client-secret': bangumiClientSecret
  'bangumi-token-key': bangumiTokenEncryptionKey
}

resource secrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [
  for secret in items(secretValues): {
    parent: vault
    name: secret.key
    properties: {
      // Key Vault refuses empty secrets; an unused one (Bangumi off) holds a placeholder the app never reads.
      value: empty(secret.value) ? 'unset' : secret.value
    }
  }
]

resource vaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: names.plan
  location: location
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

var appHost = '${names.app}.azurewebsites.net'
var publicUrl = empty(publicBaseUrl) ? 'https://${appHost}' : publicBaseUrl

func secretRef(vaultUri string, name string) string => '@Microsoft.KeyVault(SecretUri=${vaultUri}secrets/${name})'

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: names.app
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        // The isolated worker on .NET 10 (Flex Consumption takes the stack here, not in FUNCTIONS_WORKER_RUNTIME).
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [
        // Identity-based storage for the host (queue triggers) and the app alike: no connection string.
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.properties.clientId};Authorization=AAD' }
        // Prefixes table and queue names; empty in Azure. The queue triggers name it (%Storage:NamePrefix%), so the
        // host resolves it too and it must exist.
        { name: 'Storage__NamePrefix', value: '' }
        { name: 'PublicBaseUrl', value: publicUrl }
        { name: 'Smtp__Host', value: smtpHost }
        { name: 'Smtp__Port', value: string(smtpPort) }
        { name: 'Smtp__Security', value: smtpSecurity }
        { name: 'Smtp__UserName', value: smtpUserName }
        { name: 'Smtp__Password', value: secretRef(vault.properties.vaultUri, 'smtp-password') }
        { name: 'Smtp__FromAddress', value: smtpFromAddress }
        { name: 'Smtp__FromName', value: smtpFromName }
        { name: 'Signing__Keys__0__PrivateKeyPem', value: secretRef(vault.properties.vaultUri, 'signing-key') }
        { name: 'Bangumi__ClientId', value: bangumiClientId }
        { name: 'Bangumi__ClientSecret', value: secretRef(vault.properties.vaultUri, 'bangumi-client-secret') }
        { name: 'Bangumi__TokenEncryptionKey', value: secretRef(vault.properties.vaultUri, 'bangumi-token-key') }
        { name: 'Bangumi__UserAgent', value: bangumiUserAgent }
      ]
    }
  }
  dependsOn: [
    storageRoles
    vaultRole
    secrets
  ]
}

@description('The app\'s public URL (the OAuth issuer).')
output appUrl string = publicUrl

@description('Bangumi\'s callback to register with the Bangumi app.')
output bangumiCallbackUrl string = '${publicUrl}/oauth2.0/redirect'

output functionAppName string = app.name
output storageAccountName string = storage.name
output deploymentContainer string = deploymentContainerName
output keyVaultName string = vault.name
output applicationInsightsName string = insights.name
output managedIdentityClientId string = identity.properties.clientId
