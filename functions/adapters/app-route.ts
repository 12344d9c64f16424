/*
 * The app's HTTP routes: `httpRoute` with the host names writes may arrive under, read from the
 * configuration through the composition root (trigger layer). Read only when a write arrives.
 */
import { getContainer } from '../../shared/composition-root';
import { httpRoute, type RouteHandler } from '../../shared/http/http-adapter';

export function appRoute(handler: RouteHandler) {
  return httpRoute(handler, () => getContainer().config.auth.writeHosts);
}
