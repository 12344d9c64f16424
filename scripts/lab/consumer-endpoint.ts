/*
 * A consumer creating a private endpoint "by alias or resource id" with a request message, through
 * the real @azure/arm-network client, as the portal or Bicep would: a manual connection that arrives
 * on the provider's Private Link Service as Pending.
 */
import type { TokenCredential } from '@azure/core-auth';
import { localArmCredential } from '../../emulators/arm/local-service';
import { toArmError } from '../../shared/arm/arm-errors';
import { createNetworkClient } from '../../shared/arm/arm-network-gateway';

export interface ConsumerEndpointRequest {
  readonly armEndpoint: URL;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  /** The Private Link Service's resource id or alias. */
  readonly target: string;
  readonly requestMessage: string;
  readonly credential?: TokenCredential;
  /** Poll interval of the create (ARM's Retry-After wins when it sends one). */
  readonly pollIntervalMs?: number;
}

export interface ConsumerEndpoint {
  readonly id: string;
  /** The endpoint's private IP as ARM reports it (customDnsConfigs), when the emulator's data path runs. */
  readonly privateIp: string | undefined;
  /** The connection state as the consumer sees it: Pending, Approved, Rejected or Disconnected. */
  readonly status: string;
  readonly description: string;
}

const ARM_SCOPE = 'https://management.azure.com/.default';

export async function createConsumerEndpoint(request: ConsumerEndpointRequest): Promise<ConsumerEndpoint> {
  const client = await createNetworkClient(request.subscriptionId, {
    endpoint: request.armEndpoint,
    scope: ARM_SCOPE,
    credential: request.credential ?? localArmCredential,
    retry: { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 2_000, maxTotalWaitMs: 20_000 },
  });
  try {
    const endpoint = await client.privateEndpoints.beginCreateOrUpdateAndWait(
      request.resourceGroup,
      request.name,
      {
        location: request.location,
        manualPrivateLinkServiceConnections: [
          {
            name: request.name,
            privateLinkServiceId: request.target,
            requestMessage: request.requestMessage,
          },
        ],
      },
      { updateIntervalInMs: request.pollIntervalMs ?? 500 },
    );
    const connection =
      endpoint.manualPrivateLinkServiceConnections?.[0] ?? endpoint.privateLinkServiceConnections?.[0];
    return {
      id: endpoint.id ?? '',
      privateIp:
        endpoint.customDnsConfigs?.[0]?.ipAddresses?.[0] ??
        endpoint.ipConfigurations?.[0]?.privateIPAddress ??
        undefined,
      status: connection?.privateLinkServiceConnectionState?.status ?? 'Unknown',
      description: connection?.privateLinkServiceConnectionState?.description ?? '',
    };
  } catch (error) {
    throw toArmError(error, `create private endpoint ${request.name}`);
  }
}
