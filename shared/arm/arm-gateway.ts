/*
 * The product's view of ARM: the few Private Link Service operations it performs, behind a small
 * interface so the decision logic never touches the SDK. The implementation wraps
 * `@azure/arm-network` (see arm-network-gateway.ts); errors leave it as AppErrors
 * (`arm_throttled`, `arm_unavailable`, `arm_not_found`, `arm_conflict`, `arm_error`) with ARM's
 * own error code in `upstreamCode`.
 */
/** ARM's own status strings. Others may appear (ARM adds values); they are kept as strings, never guessed. */
export type ConnectionStatus = 'Pending' | 'Approved' | 'Rejected' | 'Disconnected' | (string & {});

export interface PrivateEndpointConnection {
  /** Full ARM id: {plsId}/privateEndpointConnections/{name}. */
  readonly id: string;
  readonly name: string;
  /** The PLS the connection belongs to (as configured, i.e. the id's casing in PLS_RESOURCE_IDS). */
  readonly plsId: string;
  /** The consumer's private endpoint; the consumer subscription is its third segment. */
  readonly privateEndpointId: string | undefined;
  readonly privateEndpointLocation: string | undefined;
  readonly status: ConnectionStatus;
  /** While Pending: the consumer's request message. After a decision: what the provider wrote. */
  readonly description: string | undefined;
  readonly actionsRequired: string | undefined;
  readonly linkIdentifier: string | undefined;
  readonly provisioningState: string | undefined;
  readonly etag: string | undefined;
}

export interface PrivateLinkServiceInfo {
  readonly id: string;
  readonly name: string;
  readonly location: string | undefined;
  readonly alias: string | undefined;
  readonly autoApprovalSubscriptions: readonly string[];
  readonly visibilitySubscriptions: readonly string[];
  /**
   * `Default` or `Restricted` (2025-01-01 API on); any other string ARM may add is kept as is, and
   * undefined when ARM did not send it (an API version without it means `Default`).
   */
  readonly accessMode: string | undefined;
  /** TCP proxy v2: each TCP connection starts with a PROXY v2 header carrying the link id. */
  readonly enableProxyProtocol: boolean;
  readonly destinationIPAddress: string | undefined;
  readonly fqdns: readonly string[];
  /** The PLS's etag as read: a settings write sends it as If-Match. */
  readonly etag?: string | undefined;
}

/** What EXPOSURE_MODE=enforce writes on a PLS: the rest of the resource is written back as read. */
export interface PlsExposureUpdate {
  readonly visibility: readonly string[];
  readonly accessMode: 'Restricted';
  /**
   * The etag of the read the change was checked against: a PLS changed since is refused (ARM
   * answers 412, `arm_conflict` with upstreamCode `PreconditionFailed`), never overwritten.
   */
  readonly ifMatch: string;
}

/**
 * One Private Link Service as a list showed it (the "what is new" pass): its id and the id, name and
 * status of each connection it carries inline. Only a hint: nothing is decided from it.
 */
export interface ListedPrivateLinkService {
  readonly id: string;
  readonly connections: readonly {
    readonly name: string;
    readonly status: ConnectionStatus;
  }[];
}

export interface ConnectionStateUpdate {
  readonly status: 'Approved' | 'Rejected';
  /** At most 140 characters (ARM's limit); callers enforce it before calling. */
  readonly description: string;
  readonly actionsRequired?: string;
  /**
   * The connection's etag as last read: sent as If-Match, so a change made since then is refused
   * (ARM answers 412, surfaced as `arm_conflict` with upstreamCode `PreconditionFailed`) instead of overwritten.
   */
  readonly ifMatch?: string;
}

export interface ArmGateway {
  getPrivateLinkService(plsId: string): Promise<PrivateLinkServiceInfo>;
  /**
   * A PUT of the whole PLS (long-running; resolves when done) with `visibility` and `accessMode`
   * replaced and If-Match. Needs `Microsoft.Network/privateLinkServices/write`.
   */
  setPlsExposure(plsId: string, update: PlsExposureUpdate): Promise<PrivateLinkServiceInfo>;
  /** Every connection of the PLS (all pages). */
  listPlsConnections(plsId: string): Promise<PrivateEndpointConnection[]>;
  readConnection(plsId: string, connectionName: string): Promise<PrivateEndpointConnection>;
  /** A plain PUT of the connection with the new state (not a long-running operation). */
  updateConnectionState(
    plsId: string,
    connectionName: string,
    update: ConnectionStateUpdate,
  ): Promise<PrivateEndpointConnection>;
  /** Long-running in ARM; resolves when the deletion has completed. */
  deleteConnection(plsId: string, connectionName: string): Promise<void>;
  /**
   * Consumer side: the state of the private endpoint's (manual or automatic) connection to its PLS,
   * read from the consumer's own private endpoint. Undefined when the endpoint has no such connection.
   */
  getPrivateEndpointConnectionStatus(privateEndpointId: string): Promise<ConnectionStatus | undefined>;
  /**
   * Consumer side: what the private endpoint's connections point at, each `privateLinkServiceId` as
   * ARM shows it (a PLS resource id, or the alias the endpoint was created with); empty when none.
   */
  getPrivateEndpointServiceIds(privateEndpointId: string): Promise<string[]>;
}
