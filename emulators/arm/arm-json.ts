/* Renders the world's records in ARM's wire shapes (privateLinkService.json / privateEndpoint.json). */
import { z } from 'zod';
import { tryParsePrivateEndpointId } from '../../shared/arm/resource-id';
import {
  type ArmWorld,
  type ConnectionRecord,
  connectionId,
  type PlsRecord,
  PROVIDER_RESOURCE_TYPE,
  type PrivateEndpointRecord,
} from './world';

export function connectionJson(pls: PlsRecord, connection: ConnectionRecord): Record<string, unknown> {
  return {
    name: connection.name,
    id: connectionId(pls, connection),
    etag: connection.etag,
    type: PROVIDER_RESOURCE_TYPE,
    properties: {
      provisioningState: connection.provisioningState,
      privateEndpoint: { id: connection.privateEndpointId },
      privateLinkServiceConnectionState: {
        status: connection.status,
        description: connection.description,
        actionsRequired: connection.actionsRequired,
      },
      linkIdentifier: connection.linkIdentifier,
      privateEndpointLocation: connection.privateEndpointLocation,
    },
  };
}

export function plsJson(pls: PlsRecord): Record<string, unknown> {
  return {
    name: pls.name,
    id: pls.id,
    etag: pls.etag,
    type: 'Microsoft.Network/privateLinkServices',
    location: pls.location,
    properties: {
      provisioningState: 'Succeeded',
      alias: pls.alias,
      visibility: { subscriptions: [...pls.visibility] },
      autoApproval: { subscriptions: [...pls.autoApproval] },
      // 2025-01-01 API on (privateLinkService.json): accessMode, destinationIPAddress and fqdns.
      accessMode: pls.accessMode,
      ...(pls.destinationIPAddress === undefined ? {} : { destinationIPAddress: pls.destinationIPAddress }),
      fqdns: [...pls.fqdns],
      enableProxyProtocol: pls.enableProxyProtocol,
      loadBalancerFrontendIpConfigurations: [
        {
          id: `/subscriptions/${pls.subscriptionId}/resourceGroups/${pls.resourceGroup}/providers/Microsoft.Network/loadBalancers/lb-provider/frontendIPConfigurations/fe-internal`,
        },
      ],
      ipConfigurations: [
        {
          name: 'nat-ip-1',
          id: `${pls.id}/ipConfigurations/nat-ip-1`,
          etag: pls.etag,
          type: 'Microsoft.Network/privateLinkServices/ipConfigurations',
          properties: {
            provisioningState: 'Succeeded',
            privateIPAllocationMethod: 'Dynamic',
            privateIPAddressVersion: 'IPv4',
            primary: true,
            subnet: {
              id: `/subscriptions/${pls.subscriptionId}/resourceGroups/${pls.resourceGroup}/providers/Microsoft.Network/virtualNetworks/vnet-provider/subnets/snet-pls`,
            },
          },
        },
      ],
      privateEndpointConnections: [...pls.connections.values()].map((c) => connectionJson(pls, c)),
      networkInterfaces: [
        {
          id: `/subscriptions/${pls.subscriptionId}/resourceGroups/${pls.resourceGroup}/providers/Microsoft.Network/networkInterfaces/${pls.name}.nic.0001`,
        },
      ],
    },
  };
}

export function privateEndpointJson(
  world: ArmWorld,
  endpoint: PrivateEndpointRecord,
): Record<string, unknown> {
  const state = world.consumerState(endpoint);
  const ip = world.privateIpOf(endpoint.id);
  const connection = {
    name: endpoint.connectionName,
    id: `${endpoint.id}/${endpoint.manual ? 'manualPrivateLinkServiceConnections' : 'privateLinkServiceConnections'}/${endpoint.connectionName}`,
    etag: endpoint.etag,
    type: `Microsoft.Network/privateEndpoints/${endpoint.manual ? 'manualPrivateLinkServiceConnections' : 'privateLinkServiceConnections'}`,
    properties: {
      provisioningState: 'Succeeded',
      // PrivateLinkServiceConnectionProperties.privateLinkServiceId (azure-rest-api-specs,
      // Microsoft.Network privateEndpoint.json): what the consumer's PUT gave, a PLS resource id or,
      // for an endpoint created by alias (Microsoft Learn, Private Link service overview, "Alias"),
      // that alias; the consumer guard (shared/probe/core/service-guard.ts) reads it back.
      privateLinkServiceId: endpoint.target,
      groupIds: [],
      requestMessage: endpoint.requestMessage,
      privateLinkServiceConnectionState: state,
    },
  };
  return {
    name: endpoint.name,
    id: endpoint.id,
    etag: endpoint.etag,
    type: 'Microsoft.Network/privateEndpoints',
    location: endpoint.location,
    properties: {
      provisioningState: endpoint.provisioningState,
      subnet: { id: endpoint.subnetId },
      privateLinkServiceConnections: endpoint.manual ? [] : [connection],
      manualPrivateLinkServiceConnections: endpoint.manual ? [connection] : [],
      networkInterfaces: [
        {
          id: `/subscriptions/${endpoint.subscriptionId}/resourceGroups/${tryParsePrivateEndpointId(endpoint.id)?.resourceGroup ?? ''}/providers/Microsoft.Network/networkInterfaces/${endpoint.name}.nic.0001`,
        },
      ],
      // Azure shows the NIC's address here (and on the NIC); the emulator has an address only when the data path runs.
      customDnsConfigs:
        ip === undefined ? [] : [{ fqdn: `${endpoint.name}.privatelink.lab`, ipAddresses: [ip] }],
      ipConfigurations:
        ip === undefined
          ? []
          : [
              {
                name: `${endpoint.name}-ipconfig`,
                properties: { groupId: '', memberName: '', privateIPAddress: ip },
              },
            ],
    },
  };
}

const armErrorDetailSchema = z.strictObject({ code: z.string(), message: z.string() });

/** ARM's error body as the emulator writes it (tests read the emulator's answers through it). */
export const armErrorJsonSchema = z.strictObject({
  error: z.strictObject({
    code: z.string(),
    message: z.string(),
    details: z.array(armErrorDetailSchema).min(1).optional(),
  }),
});
export type ArmErrorJson = z.output<typeof armErrorJsonSchema>;

/** ARM's error body; `details` only when there are some (ARM omits an empty list). */
export function errorJson(
  code: string,
  message: string,
  details?: readonly { readonly code: string; readonly message: string }[],
): ArmErrorJson {
  return {
    error: {
      code,
      message,
      ...(details === undefined || details.length === 0 ? {} : { details: [...details] }),
    },
  };
}
