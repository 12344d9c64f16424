/*
 * The consumer's private endpoints (privateEndpoint.json): get, the PUT that creates one (and with it
 * the provider-side connection) or re-sends it, and the long-running delete that removes both.
 */
import { z } from 'zod';
import { formatPlsConnectionId } from '../../../shared/arm/resource-id';
import { privateEndpointJson } from '../arm-json';
import { type RouteHandler, writeEvent } from '../context';
import { parseJsonBody, sendEmpty, sendJson } from '../http';
import { EmulatorError, type PrivateEndpointSpec } from '../world';
import { acceptedLro, operationUrls } from './operations';

export const getPrivateEndpoint: RouteHandler = (context, { route, response }) => {
  const endpoint = context.world.requirePrivateEndpoint(route.resourceId);
  sendJson(response, 200, privateEndpointJson(context.world, endpoint));
};

export const putPrivateEndpoint: RouteHandler = (
  context,
  { route, body, apiVersion, response, correlationId, callerClaims },
) => {
  const { world } = context;
  const spec = readPrivateEndpointBody(parseJsonBody(body), route.resourceId);
  const { endpoint, created } = world.createPrivateEndpoint(spec);
  const operationId = context.operations.start(endpoint.subscriptionId, endpoint.location, () => undefined);
  response.setHeader(
    'Azure-AsyncOperation',
    operationUrls(context, endpoint.subscriptionId, endpoint.location, operationId, apiVersion)
      .asyncOperation,
  );
  sendJson(response, created ? 201 : 200, privateEndpointJson(world, endpoint));
  if (!created) return;
  const pls = world.resolveTarget(endpoint.target);
  context.emit({
    ...writeEvent(
      context,
      endpoint.id,
      'Microsoft.Network/privateEndpoints/write',
      'PUT',
      endpoint.subscriptionId,
      correlationId,
      callerClaims,
    ),
    ...(pls === undefined
      ? {}
      : { relatedConnectionId: formatPlsConnectionId(pls.id, endpoint.plsConnectionName) }),
  });
};

export const deletePrivateEndpoint: RouteHandler = (
  context,
  { route, apiVersion, response, correlationId, callerClaims },
) => {
  const { world } = context;
  const endpoint = world.privateEndpoint(route.resourceId);
  if (endpoint === undefined) {
    sendEmpty(response, 204);
    return;
  }
  world.markPrivateEndpointDeleting(endpoint.id);
  const operationId = context.operations.start(endpoint.subscriptionId, endpoint.location, () => {
    const removed = world.removePrivateEndpoint(endpoint.id);
    context.emit({
      ...writeEvent(
        context,
        endpoint.id,
        'Microsoft.Network/privateEndpoints/delete',
        'DELETE',
        endpoint.subscriptionId,
        correlationId,
        callerClaims,
      ),
      ...(removed === undefined ? {} : { relatedConnectionId: removed }),
    });
  });
  acceptedLro(context, response, endpoint.subscriptionId, endpoint.location, operationId, apiVersion);
};

const plsConnectionBody = z.object({
  name: z.string().optional().catch(undefined),
  properties: z
    .object({
      privateLinkServiceId: z.string().optional().catch(undefined),
      requestMessage: z.string().optional().catch(undefined),
      privateLinkServiceConnectionState: z
        .object({ status: z.string().optional().catch(undefined) })
        .optional()
        .catch(undefined),
    })
    .optional()
    .catch(undefined),
});

const privateEndpointBody = z.object({
  location: z.string().optional().catch(undefined),
  properties: z
    .object({
      subnet: z
        .object({ id: z.string().optional().catch(undefined) })
        .optional()
        .catch(undefined),
      manualPrivateLinkServiceConnections: z.array(plsConnectionBody).optional().catch(undefined),
      privateLinkServiceConnections: z.array(plsConnectionBody).optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
});

function readPrivateEndpointBody(body: unknown, id: string): PrivateEndpointSpec {
  const parsed = privateEndpointBody.safeParse(body ?? {});
  const b = parsed.success ? parsed.data : {};
  if (b.location === undefined || b.location === '') {
    throw new EmulatorError(
      400,
      'LocationRequired',
      'The location property is required for this definition.',
    );
  }
  const manual = b.properties?.manualPrivateLinkServiceConnections ?? [];
  const automatic = b.properties?.privateLinkServiceConnections ?? [];
  const all = [...manual, ...automatic];
  const connection = all[0];
  const target = connection?.properties?.privateLinkServiceId;
  if (all.length !== 1 || connection === undefined || target === undefined || target === '') {
    throw new EmulatorError(
      400,
      'InvalidPrivateEndpointConnections',
      'A private endpoint needs exactly one private link service connection with properties.privateLinkServiceId.',
    );
  }
  const requestMessage = connection.properties?.requestMessage;
  const requestedStatus = connection.properties?.privateLinkServiceConnectionState?.status;
  const subnetId = b.properties?.subnet?.id;
  return {
    id,
    location: b.location.toLowerCase().replaceAll(' ', ''),
    target,
    manual: manual.length === 1,
    ...(requestMessage === undefined ? {} : { requestMessage }),
    ...(connection.name === undefined ? {} : { connectionName: connection.name }),
    ...(subnetId === undefined ? {} : { subnetId }),
    ...(requestedStatus === undefined ? {} : { requestedStatus }),
  };
}
