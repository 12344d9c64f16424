/*
 * Not ARM: the emulator's own control endpoint, for lab users driving it over HTTP.
 * `PUT /emulator/subscriptions/{id}` with `{"tenantId": "<guid>"}` declares who owns a subscription,
 * so `lab:consumer` can play a consumer from a tenant of its choosing. Bodies are parsed by schema;
 * a token is required as for ARM routes.
 */
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { sendError, sendJson } from '../http';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const subscriptionOwnerBody = z.object({ tenantId: z.string().regex(GUID) });

interface ControlRoute {
  readonly method: string;
  readonly pattern: RegExp;
  readonly usage: string;
  handle(
    context: EmulatorContext,
    groups: readonly string[],
    body: unknown,
    response: ServerResponse,
  ): boolean;
}

const CONTROL_ROUTES: readonly ControlRoute[] = [
  {
    method: 'PUT',
    pattern: /^\/emulator\/subscriptions\/([0-9a-f-]{36})$/i,
    usage: 'Expected {"tenantId": "<guid>"}.',
    handle(context, [subscriptionId = ''], body, response) {
      const parsed = subscriptionOwnerBody.safeParse(body);
      if (!parsed.success) return false;
      context.world.addSubscription(subscriptionId, parsed.data.tenantId);
      sendJson(response, 200, {
        subscriptionId: subscriptionId.toLowerCase(),
        tenantId: parsed.data.tenantId.toLowerCase(),
      });
      return true;
    },
  },
];

/** Serves a control request; false when the path and method are not a control route. */
export function serveControl(
  context: EmulatorContext,
  method: string,
  url: URL,
  body: string,
  authenticated: boolean,
  response: ServerResponse,
): boolean {
  for (const route of CONTROL_ROUTES) {
    const match = route.pattern.exec(url.pathname);
    if (match === null || method !== route.method) continue;
    if (!authenticated) {
      sendError(response, 401, 'AuthenticationFailed', "The 'Authorization' header is missing.");
      return true;
    }
    if (!route.handle(context, match.slice(1), parseOrUndefined(body), response)) {
      sendError(response, 400, 'InvalidRequestContent', route.usage);
    }
    return true;
  }
  return false;
}

function parseOrUndefined(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
