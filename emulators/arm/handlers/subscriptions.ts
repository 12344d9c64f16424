import type { RouteHandler } from '../context';
import { sendError, sendJson } from '../http';

/** `GET /subscriptions/{id}` with a token: the subscription, including its tenant (Resources API). */
export const getSubscription: RouteHandler = (context, { route, response }) => {
  const tenantId = context.world.tenantOf(route.subscriptionId);
  if (tenantId === undefined) {
    sendError(
      response,
      404,
      'SubscriptionNotFound',
      `The subscription '${route.subscriptionId}' could not be found.`,
    );
    return;
  }
  sendJson(response, 200, {
    id: `/subscriptions/${route.subscriptionId}`,
    subscriptionId: route.subscriptionId,
    tenantId,
    displayName: `Emulated subscription ${route.subscriptionId.slice(0, 8)}`,
    state: 'Enabled',
    authorizationSource: 'RoleBased',
  });
};
