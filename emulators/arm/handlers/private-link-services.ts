import { z } from 'zod';
import { plsJson } from '../arm-json';
import { type RouteHandler, writeEvent } from '../context';
import { headerOf, parseJsonBody, sendJson } from '../http';
import { EmulatorError } from '../world';

/**
 * `GET /subscriptions/{id}/providers/Microsoft.Network/privateLinkServices`
 * (PrivateLinkServices_ListBySubscription, privateLinkService.json in Azure/azure-rest-api-specs,
 * network stable 2025-01-01): a PrivateLinkServiceListResult `{value, nextLink}`, pageable on
 * `nextLink`; each PLS carries its `privateEndpointConnections` inline, as a GET does. The page size
 * is the emulator's own choice (`pageSize`, 100 by default, shared with the connection list): ARM
 * publishes none for this list. Ordered by id so `$skipToken` pages are stable.
 */
export const listPrivateLinkServices: RouteHandler = (context, { route, url, apiVersion, response }) => {
  const all = context.world
    .privateLinkServices()
    .filter((pls) => pls.subscriptionId.toLowerCase() === route.subscriptionId)
    .sort((a, b) =>
      a.id.toLowerCase() < b.id.toLowerCase() ? -1 : a.id.toLowerCase() > b.id.toLowerCase() ? 1 : 0,
    );
  const skip = Number(url.searchParams.get('$skipToken') ?? '0');
  const start = Number.isInteger(skip) && skip > 0 ? skip : 0;
  const pageSize = context.pageSize;
  const value = all.slice(start, start + pageSize).map((pls) => plsJson(pls));
  const next = start + pageSize < all.length ? start + pageSize : undefined;
  sendJson(response, 200, {
    value,
    ...(next === undefined
      ? {}
      : { nextLink: `${context.origin()}${url.pathname}?api-version=${apiVersion}&$skipToken=${next}` }),
  });
};

/** `GET .../privateLinkServices/{name}`. */
export const getPrivateLinkService: RouteHandler = (context, { route, response }) => {
  sendJson(response, 200, plsJson(context.world.requirePls(route.resourceId)));
};

/** The part of a PLS PUT body the emulator applies (the rest is what the caller read back). */
const plsPutSchema = z.object({
  properties: z.object({
    visibility: z.object({ subscriptions: z.array(z.string().min(1)) }).optional(),
    // A PUT replaces the resource: no accessMode means the enum's first value, `Default`.
    accessMode: z.enum(['Default', 'Restricted']).default('Default'),
  }),
});

/**
 * `PUT .../privateLinkServices/{name}` (`PrivateLinkServices_CreateOrUpdate`, privateLinkService.json
 * in Azure/azure-rest-api-specs, specification/network/resource-manager/Microsoft.Network/stable/2025-01-01):
 * a long-running PUT answering 200 with the resource on update; it completes at once here
 * (provisioningState `Succeeded`, no Azure-AsyncOperation header, which the SDK's poller accepts as
 * done). Creating a PLS is not modelled: the PUT of one the world lacks is a 404. If-Match is honoured
 * as ARM's resource provider contract says for resources with an etag (world.updatePlsExposure).
 */
export const putPrivateLinkService: RouteHandler = (
  context,
  { route, body, request, response, correlationId, callerClaims },
) => {
  const parsed = plsPutSchema.safeParse(parseJsonBody(body));
  if (!parsed.success)
    throw new EmulatorError(
      400,
      'InvalidRequestFormat',
      'Cannot parse the request (PrivateLinkService body).',
    );
  const current = context.world.requirePls(route.resourceId);
  const pls = context.world.updatePlsExposure(
    route.resourceId,
    {
      visibility: parsed.data.properties.visibility?.subscriptions ?? [],
      accessMode: parsed.data.properties.accessMode,
    },
    headerOf(request, 'if-match'),
  );
  sendJson(response, 200, plsJson(pls));
  context.emit(
    writeEvent(
      context,
      current.id,
      'Microsoft.Network/privateLinkServices/write',
      'PUT',
      pls.subscriptionId,
      correlationId,
      callerClaims,
    ),
  );
};
