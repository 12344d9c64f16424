/*
 * The provider's view of private endpoint connections (privateLinkService.json): list (paged with an
 * absolute `nextLink`), get, the plain PUT that changes the state, and the long-running delete.
 */
import { z } from 'zod';
import { connectionJson } from '../arm-json';
import { type RouteHandler, sendListPage, writeEvent } from '../context';
import { headerOf, parseJsonBody, sendEmpty, sendJson } from '../http';
import { connectionId, EmulatorError } from '../world';
import { acceptedLro } from './operations';

export const listPlsConnections: RouteHandler = (context, request) => {
  const pls = context.world.requirePls(request.route.resourceId);
  sendListPage(context, request, [...pls.connections.values()], (c) => connectionJson(pls, c));
};

export const readConnection: RouteHandler = (context, { route, response }) => {
  const connection = context.world.requireConnection(route.resourceId, route.params.name ?? '');
  sendJson(response, 200, connectionJson(context.world.requirePls(route.resourceId), connection));
};

export const putConnection: RouteHandler = (
  context,
  { route, body, request, response, correlationId, callerClaims },
) => {
  const state = readConnectionState(parseJsonBody(body));
  context.world.authorizeConnectionWrite(
    route.resourceId,
    'Microsoft.Network/privateLinkServices/privateEndpointConnections/write',
    `${route.resourceId}/privateEndpointConnections/${route.params.name ?? ''}`,
    callerClaims?.oid,
  );
  const connection = context.world.updateConnectionState(
    route.resourceId,
    route.params.name ?? '',
    state,
    // With ignoreIfMatchOnConnectionPut the header is dropped here, as an NRP that does not honour it
    // would: the REST spec declares no If-Match on this PUT (privateLinkService.json, all versions).
    context.ignoreIfMatchOnConnectionPut ? undefined : headerOf(request, 'if-match'),
  );
  const pls = context.world.requirePls(route.resourceId);
  sendJson(response, 200, connectionJson(pls, connection));
  context.emit(
    writeEvent(
      context,
      connectionId(pls, connection),
      'Microsoft.Network/privateLinkServices/privateEndpointConnections/write',
      'PUT',
      pls.subscriptionId,
      correlationId,
      callerClaims,
    ),
  );
};

/**
 * DELETE of a PLS's private endpoint connection: a long-running operation (REST spec
 * `PrivateLinkServices_DeletePrivateEndpointConnection` in azure-rest-api-specs
 * specification/network/resource-manager/Microsoft.Network/.../privateLinkService.json:
 * 200, 202 with Azure-AsyncOperation, 204 when it does not exist). The provider's "Remove" in
 * Microsoft Learn's "Manage a Private Endpoint connection": the consumer's private endpoint then
 * shows Disconnected (world.removeConnection), and is deleted and recreated to ask again.
 * The gatekeeper removes connections whose approval ended (expire-approvals.ts).
 */
export const deleteConnection: RouteHandler = (
  context,
  { route, apiVersion, response, correlationId, callerClaims },
) => {
  const { world } = context;
  world.authorizeConnectionWrite(
    route.resourceId,
    'Microsoft.Network/privateLinkServices/privateEndpointConnections/delete',
    `${route.resourceId}/privateEndpointConnections/${route.params.name ?? ''}`,
    callerClaims?.oid,
  );
  const pls = world.privateLinkService(route.resourceId);
  const connection = world.connection(route.resourceId, route.params.name ?? '');
  if (pls === undefined || connection === undefined || connection.provisioningState === 'Deleting') {
    // ARM answers a delete of something already gone (or going) with 204: deletes are idempotent.
    sendEmpty(response, 204);
    return;
  }
  const id = connectionId(pls, connection);
  world.markConnectionDeleting(pls.id, connection.name);
  const operationId = context.operations.start(pls.subscriptionId, pls.location, () => {
    if (world.removeConnection(pls.id, connection.name)) {
      context.emit(
        writeEvent(
          context,
          id,
          'Microsoft.Network/privateLinkServices/privateEndpointConnections/delete',
          'DELETE',
          pls.subscriptionId,
          correlationId,
          callerClaims,
        ),
      );
    }
  });
  acceptedLro(context, response, pls.subscriptionId, pls.location, operationId, apiVersion);
};

// Fields other than these three are ignored, as NRP ignores them on this PUT; a wrong type is dropped.
const connectionStateBody = z.object({
  properties: z.object({
    privateLinkServiceConnectionState: z.object({
      status: z.string(),
      description: z.string().optional().catch(undefined),
      actionsRequired: z.string().optional().catch(undefined),
    }),
  }),
});

function readConnectionState(body: unknown): {
  status: string;
  description?: string;
  actionsRequired?: string;
} {
  const parsed = connectionStateBody.safeParse(body);
  if (!parsed.success) {
    throw new EmulatorError(
      400,
      'InvalidRequestFormat',
      'properties.privateLinkServiceConnectionState.status is required to update a private endpoint connection.',
    );
  }
  const state = parsed.data.properties.privateLinkServiceConnectionState;
  return {
    status: state.status,
    ...(state.description === undefined ? {} : { description: state.description }),
    ...(state.actionsRequired === undefined ? {} : { actionsRequired: state.actionsRequired }),
  };
}
