/** Every route the emulator serves, named by what it does; faults, logs and counts are keyed by these. */
export const ROUTE_KINDS = [
  'subscription.get',
  'pls.list',
  'pls.get',
  'pls.put',
  'connection.list',
  'connection.get',
  'connection.put',
  'connection.delete',
  'endpoint.get',
  'endpoint.put',
  'endpoint.delete',
  'operation.get',
  'graph.query',
  'unknown',
] as const;

export type RouteKind = (typeof ROUTE_KINDS)[number];
