# azd postdeploy hook (Windows): see subscribe-events.sh for why this runs after the code deploys and
# why every az call names the azd environment's subscription (azd does not sign az in).
$ErrorActionPreference = 'Stop'
foreach ($name in 'AZURE_SUBSCRIPTION_ID', 'AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_APP_NAME', 'EVENT_GRID_SYSTEM_TOPIC_NAME', 'AZURE_STORAGE_ACCOUNT_NAME', 'DEAD_LETTER_CONTAINER_NAME') {
  if (-not [Environment]::GetEnvironmentVariable($name)) { throw "$name is not set; run through azd (azd up / azd deploy)." }
}
$template = Join-Path $PSScriptRoot '../provider/modules/event-subscriptions.bicep'
for ($attempt = 1; ; $attempt++) {
  az deployment group create `
    --subscription $env:AZURE_SUBSCRIPTION_ID `
    --resource-group $env:AZURE_RESOURCE_GROUP `
    --name "events-$($env:AZURE_FUNCTION_APP_NAME)" `
    --template-file $template `
    --parameters functionAppName=$env:AZURE_FUNCTION_APP_NAME systemTopicName=$env:EVENT_GRID_SYSTEM_TOPIC_NAME `
      storageAccountName=$env:AZURE_STORAGE_ACCOUNT_NAME deadLetterContainerName=$env:DEAD_LETTER_CONTAINER_NAME `
    --only-show-errors --output none
  if ($LASTEXITCODE -eq 0) { break }
  if ($attempt -ge 5) { throw "Event Grid subscription failed after $attempt attempts; is onConnectionEvent deployed?" }
  Start-Sleep -Seconds 30
}
Write-Host 'Event Grid subscription to onConnectionEvent is in place.'
