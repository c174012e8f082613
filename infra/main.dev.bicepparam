using 'main.bicep'

// A development environment. Secrets are not kept here: pass them on the command line, e.g.
//   -p smtpPassword=$SMTP_PASSWORD signingKeyPem="$(cat signing-key.pem)" bangumiClientSecret=$BGM_SECRET \
//      bangumiTokenEncryptionKey=$(openssl rand -base64 32)
param environmentName = 'dev'
param smtpHost = 'smtp.azurecomm.net'
param smtpPort = 587
param smtpSecurity = 'StartTls'
param smtpUserName = readEnvironmentVariable('BANGUMOE_SMTP_USERNAME', 'acs-smtp-username')
param smtpFromAddress = readEnvironmentVariable('BANGUMOE_SMTP_FROM', 'DoNotReply@example.azurecomm.net')
param smtpPassword = readEnvironmentVariable('BANGUMOE_SMTP_PASSWORD', '')
param signingKeyPem = readEnvironmentVariable('BANGUMOE_SIGNING_KEY_PEM', '')
param bangumiClientId = readEnvironmentVariable('BANGUMOE_BANGUMI_CLIENT_ID', '')
param bangumiClientSecret = readEnvironmentVariable('BANGUMOE_BANGUMI_CLIENT_SECRET', '')
param bangumiTokenEncryptionKey = readEnvironmentVariable('BANGUMOE_BANGUMI_TOKEN_KEY', '')
param maximumInstanceCount = 10
