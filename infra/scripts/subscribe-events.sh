#!/bin/sh
# azd postdeploy hook: creates the Event Grid subscription to onConnectionEvent once the function
# exists (Event Grid validates an AzureFunction endpoint against the deployed function). Reads the
# provider deployment's outputs, which azd exports into the hook's environment. Idempotent.
# azd does not sign the az CLI in and az deploys into its own current subscription, which need not be
# the azd environment's: every az call names AZURE_SUBSCRIPTION_ID (set by `azd env set`).
set -eu

: "${AZURE_SUBSCRIPTION_ID:?run through azd (azd up / azd deploy) or export the provider subscription id}"
: "${AZURE_RESOURCE_GROUP:?run through azd (azd up / azd deploy) or export the provider outputs}"
: "${AZURE_FUNCTION_APP_NAME:?}"
: "${EVENT_GRID_SYSTEM_TOPIC_NAME:?}"
: "${AZURE_STORAGE_ACCOUNT_NAME:?}"
: "${DEAD_LETTER_CONTAINER_NAME:?}"

attempt=1
# Function indexing after a Flex Consumption deployment takes a moment; retry instead of failing.
until az deployment group create \
  --subscription "$AZURE_SUBSCRIPTION_ID" \
  --resource-group "$AZURE_RESOURCE_GROUP" \
  --name "events-$AZURE_FUNCTION_APP_NAME" \
  --template-file "$(dirname "$0")/../provider/modules/event-subscriptions.bicep" \
  --parameters \
    functionAppName="$AZURE_FUNCTION_APP_NAME" \
    systemTopicName="$EVENT_GRID_SYSTEM_TOPIC_NAME" \
    storageAccountName="$AZURE_STORAGE_ACCOUNT_NAME" \
    deadLetterContainerName="$DEAD_LETTER_CONTAINER_NAME" \
  --only-show-errors --output none; do
  if [ "$attempt" -ge 5 ]; then
    echo "Event Grid subscription failed after $attempt attempts; is onConnectionEvent deployed?" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 30
done
echo "Event Grid subscription to onConnectionEvent is in place."
