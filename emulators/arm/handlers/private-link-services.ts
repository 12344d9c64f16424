import { plsJson } from '../arm-json';
import type { RouteHandler } from '../context';
import { sendJson } from '../http';

/** `GET .../privateLinkServices/{name}`. */
export const getPrivateLinkService: RouteHandler = (context, { route, response }) => {
  sendJson(response, 200, plsJson(context.world.requirePls(route.resourceId)));
};
