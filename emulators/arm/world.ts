/*
 * The emulator's in-memory Azure: Private Link Services with their connections, consumers' private
 * endpoints, and which tenant owns which subscription. It enforces the rules ARM enforces for what the
 * product uses (state transitions, the 140-character limit, If-Match), and nothing it does not need.
 * Every lookup is a Map hit on the lower-cased id, as ARM ids are case-insensitive.
 */
import { randomInt, randomUUID } from 'node:crypto';
import {
  formatPlsConnectionId,
  plsNameOf,
  tryParsePlsId,
  tryParsePrivateEndpointId,
} from '../../shared/arm/resource-id';

export type ConnectionStatus = 'Pending' | 'Approved' | 'Rejected';

/** An ARM-shaped failure: the HTTP status, ARM's `error.code`, message, optional details and Retry-After. */
export class EmulatorError extends Error {
  readonly details: readonly { readonly code: string; readonly message: string }[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    extra: {
      readonly details?: readonly { readonly code: string; readonly message: string }[];
      readonly retryAfterSeconds?: number;
    } = {},
  ) {
    super(message);
    this.name = 'EmulatorError';
    this.details = extra.details;
    this.retryAfterSeconds = extra.retryAfterSeconds;
  }
}

/** ARM's 404 for a missing resource, in ARM's words (`type` is the resource type and name). */
function resourceNotFound(type: string, resourceGroup: string, more = ''): EmulatorError {
  return new EmulatorError(
    404,
    'ResourceNotFound',
    `The Resource '${type}' under resource group '${resourceGroup}' was not found.${more}`,
  );
}

export interface PlsSpec {
  /** Full resource id; its subscription is the provider's. */
  readonly id: string;
  /** Defaults to `{name}.{guid}.{location}.azure.privatelinkservice`. */
  readonly alias?: string | undefined;
  readonly location?: string | undefined;
  /** Subscriptions whose connections are approved at creation (ARM's `autoApproval`). */
  readonly autoApproval?: readonly string[] | undefined;
  /** Subscriptions that may connect; `*` means anyone with the alias. Defaults to `*`. */
  readonly visibility?: readonly string[] | undefined;
  /** `Default` or `Restricted` (2025-01-01 API on); defaults to `Default`. */
  readonly accessMode?: PlsAccessMode | undefined;
  /** The destination IP address (2025-01-01 API on); absent by default. */
  readonly destinationIPAddress?: string | undefined;
  readonly fqdns?: readonly string[] | undefined;
  /** TCP proxy v2 (`enableProxyProtocol`); off by default. */
  readonly enableProxyProtocol?: boolean | undefined;
  /** ARM resource tags (what a Resource Graph tag filter matches); none by default. */
  readonly tags?: Readonly<Record<string, string>> | undefined;
}

/**
 * The PLS `accessMode` of the 2025-01-01 network API (privateLinkService.json in
 * Azure/azure-rest-api-specs, specification/network/resource-manager/Microsoft.Network/stable/2025-01-01;
 * the same enum is `KnownAccessMode` in @azure/arm-network 36): `Default` allows unrestricted access,
 * `Restricted` limits access to the subscriptions inside the visibility list only.
 */
export type PlsAccessMode = 'Default' | 'Restricted';

export interface ConnectionSpec {
  readonly plsId: string;
  /** The consumer's private endpoint id (its subscription is the consumer's). */
  readonly privateEndpointId: string;
  /** Defaults to `{private endpoint name}.{guid}`, as Azure names them. */
  readonly name?: string | undefined;
  readonly status?: ConnectionStatus | undefined;
  /** While Pending, the consumer's request message; defaults to `requestMessage`. */
  readonly description?: string | undefined;
  readonly requestMessage?: string | undefined;
  readonly privateEndpointLocation?: string | undefined;
}

export interface PrivateEndpointSpec {
  readonly id: string;
  readonly location: string;
  /** A Private Link Service id or alias. */
  readonly target: string;
  readonly requestMessage?: string;
  /** Manual (`manualPrivateLinkServiceConnections`) or automatic (`privateLinkServiceConnections`). */
  readonly manual?: boolean;
  /** The status the consumer's PUT carries in its connection state (`Pending` asks again after a rejection). */
  readonly requestedStatus?: string;
  /** Name of the connection inside the private endpoint. */
  readonly connectionName?: string;
  readonly subnetId?: string;
}

export interface PlsRecord {
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  readonly alias: string;
  readonly autoApproval: readonly string[];
  visibility: readonly string[];
  accessMode: PlsAccessMode;
  readonly destinationIPAddress: string | undefined;
  readonly fqdns: readonly string[];
  readonly enableProxyProtocol: boolean;
  tags: Readonly<Record<string, string>>;
  etag: string;
  readonly connections: Map<string, ConnectionRecord>;
}

export interface ConnectionRecord {
  /** Full ARM id: {PLS id}/privateEndpointConnections/{name}. */
  readonly id: string;
  readonly name: string;
  readonly plsKey: string;
  readonly privateEndpointId: string;
  readonly privateEndpointLocation: string;
  status: ConnectionStatus;
  description: string;
  actionsRequired: string;
  readonly linkIdentifier: string;
  provisioningState: 'Succeeded' | 'Deleting';
  etag: string;
}

export interface PrivateEndpointRecord {
  readonly id: string;
  readonly subscriptionId: string;
  readonly name: string;
  readonly location: string;
  readonly manual: boolean;
  readonly connectionName: string;
  /** Exactly what the consumer gave (an id or an alias), as ARM echoes it. */
  readonly target: string;
  readonly plsKey: string;
  readonly plsConnectionName: string;
  readonly requestMessage: string;
  readonly subnetId: string;
  provisioningState: 'Succeeded' | 'Deleting';
  readonly etag: string;
}

/** What the consumer sees in its private endpoint's connection. */
export interface ConsumerConnectionState {
  readonly status: string;
  readonly description: string;
  readonly actionsRequired: string;
}

export const MAX_DESCRIPTION_LENGTH = 140;
/** Retry-After (seconds) of a write refused because a delete holds the connection. */
export const LOCKED_RETRY_AFTER_SECONDS = 1;
export const PROVIDER_RESOURCE_TYPE = 'Microsoft.Network/privateLinkServices/privateEndpointConnections';

export function newEtag(): string {
  return `W/"${randomUUID()}"`;
}

export class ArmWorld {
  private readonly tenants = new Map<string, string>();
  private readonly pls = new Map<string, PlsRecord>();
  private readonly aliases = new Map<string, string>();
  private readonly endpoints = new Map<string, PrivateEndpointRecord>();
  /** Consumer endpoints whose provider-side connection was removed: the consumer then sees Disconnected. */
  private readonly disconnected = new Set<string>();
  /** Private IPs given to endpoints by the data path (emulators/arm/data-path.ts); none without it. */
  private readonly privateIps = new Map<string, string>();
  /** Management group id (lower case) → the subscriptions under it (Resource Graph's management group scope). */
  private readonly managementGroups = new Map<string, readonly string[]>();
  /** PLS ids (lower case) on which the caller holds no connection write right (denyConnectionWrites). */
  private readonly writesDenied = new Set<string>();

  // --- authorization ------------------------------------------------------------------------

  /**
   * The caller may read this PLS and its connections (Reader, or the discovery role) but not write
   * them: every connection PUT or DELETE on it is refused 403 `AuthorizationFailed`, as ARM refuses
   * an action no role assignment of the principal grants at that scope. The emulator knows one
   * principal per test, so the denial is per PLS, not per caller.
   */
  denyConnectionWrites(plsId: string): void {
    this.writesDenied.add(plsId.toLowerCase());
  }

  /** The role was assigned after all: connection writes on this PLS go through again. */
  allowConnectionWrites(plsId: string): void {
    this.writesDenied.delete(plsId.toLowerCase());
  }

  /**
   * Throws ARM's refusal when writes on this PLS are denied. Shape as ARM answers it (403, code
   * `AuthorizationFailed`, "The client '<id>' with object id '<id>' does not have authorization to
   * perform action '<action>' over scope '<scope>' or the scope is invalid. If access was recently
   * granted, please refresh your credentials."), seen in Azure/azure-cli#30789 and
   * MicrosoftDocs/azure-stack-docs#3303.
   */
  authorizeConnectionWrite(plsId: string, action: string, scope: string, objectId: string | undefined): void {
    if (!this.writesDenied.has(plsId.toLowerCase())) return;
    const client = objectId ?? '00000000-0000-0000-0000-000000000000';
    throw new EmulatorError(
      403,
      'AuthorizationFailed',
      `The client '${client}' with object id '${client}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
  }

  // --- subscriptions and tenants -------------------------------------------------------------

  /** Declares which tenant owns a subscription (what the unauthenticated subscription GET reveals). */
  addSubscription(subscriptionId: string, tenantId: string): void {
    this.tenants.set(subscriptionId.toLowerCase(), tenantId.toLowerCase());
  }

  /** Declares a management group and the subscriptions under it (flattened: nested groups are listed out). */
  addManagementGroup(groupId: string, subscriptionIds: readonly string[]): void {
    this.managementGroups.set(
      groupId.toLowerCase(),
      subscriptionIds.map((s) => s.toLowerCase()),
    );
  }

  subscriptionsUnder(groupId: string): readonly string[] | undefined {
    return this.managementGroups.get(groupId.toLowerCase());
  }

  tenantOf(subscriptionId: string): string | undefined {
    return this.tenants.get(subscriptionId.toLowerCase());
  }

  // --- provider side ------------------------------------------------------------------------

  addPrivateLinkService(spec: PlsSpec): PlsRecord {
    const ref = tryParsePlsId(spec.id);
    if (ref === undefined) throw new Error(`Not a Private Link Service id: ${spec.id}`);
    const { subscriptionId, resourceGroup, name } = ref;
    const key = spec.id.toLowerCase();
    if (this.pls.has(key)) throw new Error(`Private Link Service already exists: ${spec.id}`);
    const location = spec.location ?? 'westeurope';
    const record: PlsRecord = {
      id: spec.id,
      subscriptionId: subscriptionId.toLowerCase(),
      resourceGroup,
      name,
      location,
      alias: spec.alias ?? `${name}.${randomUUID()}.${location}.azure.privatelinkservice`,
      autoApproval: (spec.autoApproval ?? []).map((s) => s.toLowerCase()),
      visibility: (spec.visibility ?? ['*']).map((s) => s.toLowerCase()),
      accessMode: spec.accessMode ?? 'Default',
      destinationIPAddress: spec.destinationIPAddress,
      fqdns: [...(spec.fqdns ?? [])],
      enableProxyProtocol: spec.enableProxyProtocol ?? false,
      tags: { ...(spec.tags ?? {}) },
      etag: newEtag(),
      connections: new Map(),
    };
    this.pls.set(key, record);
    this.aliases.set(record.alias.toLowerCase(), key);
    return record;
  }

  privateLinkService(plsId: string): PlsRecord | undefined {
    return this.pls.get(plsId.toLowerCase());
  }

  privateLinkServices(): PlsRecord[] {
    return [...this.pls.values()];
  }

  /** The PLS a consumer means: its id or its alias, as the private endpoint PUT accepts both. */
  resolveTarget(idOrAlias: string): PlsRecord | undefined {
    const key = idOrAlias.toLowerCase();
    return this.pls.get(key) ?? this.pls.get(this.aliases.get(key) ?? '');
  }

  requirePls(plsId: string): PlsRecord {
    const record = this.privateLinkService(plsId);
    if (record === undefined) {
      throw resourceNotFound(
        `Microsoft.Network/privateLinkServices/${plsNameOf(plsId)}`,
        tryParsePlsId(plsId)?.resourceGroup ?? '',
        ' For more details please go to https://aka.ms/ARMResourceNotFoundFix',
      );
    }
    return record;
  }

  connection(plsId: string, name: string): ConnectionRecord | undefined {
    return this.privateLinkService(plsId)?.connections.get(name.toLowerCase());
  }

  requireConnection(plsId: string, name: string): ConnectionRecord {
    const pls = this.privateLinkService(plsId);
    if (pls === undefined) {
      throw new EmulatorError(
        404,
        'ParentResourceNotFound',
        `Can not perform requested operation on nested resource. Parent resource '${plsNameOf(plsId)}' not found.`,
      );
    }
    const connection = pls.connections.get(name.toLowerCase());
    if (connection === undefined) {
      throw resourceNotFound(`${PROVIDER_RESOURCE_TYPE}/${name}`, pls.resourceGroup);
    }
    return connection;
  }

  /** Seeds a connection (and the consumer's endpoint behind it), as if a consumer had created it earlier. */
  addConnection(spec: ConnectionSpec): ConnectionRecord {
    const pls = this.privateLinkService(spec.plsId);
    if (pls === undefined) throw new Error(`Unknown Private Link Service: ${spec.plsId}`);
    const pe = parsePe(spec.privateEndpointId);
    if (pe === undefined) throw new Error(`Not a private endpoint id: ${spec.privateEndpointId}`);
    const requestMessage = spec.requestMessage ?? '';
    const status = spec.status ?? 'Pending';
    const connection = this.insertConnection(pls, {
      name: spec.name ?? `${pe.name}.${randomUUID()}`,
      privateEndpointId: spec.privateEndpointId,
      privateEndpointLocation: spec.privateEndpointLocation ?? pls.location,
      status,
      description: spec.description ?? (status === 'Pending' ? requestMessage : ''),
    });
    this.endpoints.set(spec.privateEndpointId.toLowerCase(), {
      id: spec.privateEndpointId,
      subscriptionId: pe.subscriptionId,
      name: pe.name,
      location: connection.privateEndpointLocation,
      manual: true,
      connectionName: pe.name,
      target: pls.id,
      plsKey: pls.id.toLowerCase(),
      plsConnectionName: connection.name,
      requestMessage,
      subnetId: defaultSubnet(pe.subscriptionId, pe.resourceGroup),
      provisioningState: 'Succeeded',
      etag: newEtag(),
    });
    return connection;
  }

  /**
   * The PLS settings the gatekeeper's enforce mode writes (a PUT of the whole PLS,
   * `PrivateLinkServices_CreateOrUpdate` in privateLinkService.json, Azure/azure-rest-api-specs
   * specification/network/resource-manager/Microsoft.Network/stable/2025-01-01: long-running, 200 on
   * update). Only `visibility` and `accessMode` change here; the rest of the body is what the caller
   * read. The spec declares no If-Match on this PUT, but ARM's resource provider contract
   * (Azure/azure-resourcemanager-rpc, "Etags": If-Match on a PUT, 412 PreconditionFailed when the
   * etag differs) applies to every resource with an etag, as NRP's do. `autoApproval` must stay a
   * subset of `visibility` (Private Link service overview, "Control service exposure").
   */
  updatePlsExposure(
    plsId: string,
    update: { readonly visibility: readonly string[]; readonly accessMode: PlsAccessMode },
    ifMatch?: string,
  ): PlsRecord {
    const pls = this.requirePls(plsId);
    if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== pls.etag) {
      throw etagMismatch(ifMatch, pls.name);
    }
    const visibility = update.visibility.map((s) => s.toLowerCase());
    const outside = visibility.includes('*') ? [] : pls.autoApproval.filter((s) => !visibility.includes(s));
    if (outside.length > 0) {
      throw new EmulatorError(
        400,
        'PrivateLinkServiceAutoApprovalNotSubsetOfVisibility',
        `Auto-approval subscriptions ${outside.join(', ')} must also be in the visibility list.`,
      );
    }
    pls.visibility = visibility;
    pls.accessMode = update.accessMode;
    pls.etag = newEtag();
    return pls;
  }

  /**
   * The provider's PUT: only status, description and actionsRequired change.
   * A PUT cannot create a connection: on one that does not exist (any more) NRP answers 400
   * `PrivateEndpointConnectionCannotBeCreatedByServiceProvider`, not 404 (Azure/azure-sdk-for-go#9484). Pending → Approved/Rejected
   * and Approved → Rejected are allowed; Rejected → Approved is refused, as in Azure.
   */
  updateConnectionState(
    plsId: string,
    name: string,
    update: { readonly status: string; readonly description?: string; readonly actionsRequired?: string },
    ifMatch?: string,
  ): ConnectionRecord {
    const pls = this.privateLinkService(plsId);
    const connection = pls?.connections.get(name.toLowerCase());
    if (pls !== undefined && connection === undefined) {
      throw new EmulatorError(
        400,
        'PrivateEndpointConnectionCannotBeCreatedByServiceProvider',
        `Private endpoint connection ${name} cannot be created by the service provider; only the consumer's private endpoint creates it.`,
      );
    }
    if (connection === undefined) return this.requireConnection(plsId, name);
    if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== connection.etag) {
      throw etagMismatch(ifMatch, connection.name);
    }
    if (connection.provisioningState === 'Deleting') {
      // A resource locked by another operation answers 429 RetryableErrorDueToAnotherOperation with
      // Retry-After (ARM "request limits and throttling" doc), not 409: the client is to come back later.
      throw new EmulatorError(
        429,
        'RetryableErrorDueToAnotherOperation',
        `Operation on ${connection.name} is not allowed because another operation (delete) is in progress on it; retry later.`,
        { retryAfterSeconds: LOCKED_RETRY_AFTER_SECONDS },
      );
    }
    const to = update.status;
    if (to !== 'Pending' && to !== 'Approved' && to !== 'Rejected') {
      throw new EmulatorError(
        400,
        'InvalidPrivateLinkServiceConnectionStatus',
        `Private link service connection status '${to}' is invalid. Allowed values: Pending, Approved, Rejected.`,
      );
    }
    const description = update.description ?? connection.description;
    if (description.length > MAX_DESCRIPTION_LENGTH) {
      throw new EmulatorError(
        400,
        'PrivateLinkServiceConnectionStateDescriptionTooLong',
        `The description of the private link service connection state is ${description.length} characters long; at most ${MAX_DESCRIPTION_LENGTH} are allowed.`,
      );
    }
    const from = connection.status;
    if (from === 'Rejected' && to === 'Approved') {
      // Refused, as the Private Link docs say; the exact code NRP uses is not published (Cosmos DB's
      // answer is 400 BadRequest "Approving rejected private endpoint connections is not supported",
      // MicrosoftDocs/azure-docs#86823), so a generic one: the product decides by the state it re-reads.
      throw new EmulatorError(
        400,
        'BadRequest',
        `Approving rejected private endpoint connections is not supported. Connection ${connection.name} must be recreated by the consumer.`,
      );
    }
    if (from !== to && to === 'Pending') {
      throw new EmulatorError(
        400,
        'InvalidPrivateEndpointConnectionStateTransition',
        `The private endpoint connection ${connection.name} cannot move from ${from} to ${to}.`,
      );
    }
    connection.status = to;
    connection.description = description;
    connection.actionsRequired = update.actionsRequired ?? connection.actionsRequired;
    connection.etag = newEtag();
    return connection;
  }

  markConnectionDeleting(plsId: string, name: string): ConnectionRecord | undefined {
    const connection = this.connection(plsId, name);
    if (connection !== undefined) connection.provisioningState = 'Deleting';
    return connection;
  }

  /** Removes the connection; the consumer's endpoint then reports Disconnected. */
  removeConnection(plsId: string, name: string): boolean {
    const pls = this.privateLinkService(plsId);
    const connection = pls?.connections.get(name.toLowerCase());
    if (pls === undefined || connection === undefined) return false;
    pls.connections.delete(name.toLowerCase());
    if (this.endpoints.has(connection.privateEndpointId.toLowerCase())) {
      this.disconnected.add(connection.privateEndpointId.toLowerCase());
    }
    return true;
  }

  // --- consumer side ------------------------------------------------------------------------

  /**
   * A consumer's private endpoint PUT.
   * - From a subscription on the PLS's `autoApproval` list the connection is Approved at creation,
   *   manual or automatic (Private Link service overview, "auto-approval").
   * - Otherwise a manual request arrives Pending with the request message.
   * - An automatic request needs the approval permission on the PLS; the emulator models no role
   *   assignments, so only the PLS's own subscription holds it. Anyone else is refused 403
   *   `LinkedAuthorizationFailed` (Azure/azure-sdk-for-go#14306, MicrosoftDocs/azure-docs#96892);
   *   across tenants a request must be manual (MicrosoftDocs/azure-docs#68387).
   * - Re-sending an existing endpoint whose connection was Rejected with status Pending asks again: the
   *   connection becomes Pending (reported by a user in MicrosoftDocs/azure-docs#81751, not confirmed
   *   by Microsoft); the product is to treat that as drift.
   */
  createPrivateEndpoint(spec: PrivateEndpointSpec): { endpoint: PrivateEndpointRecord; created: boolean } {
    const pe = parsePe(spec.id);
    if (pe === undefined)
      throw new EmulatorError(400, 'InvalidResourceId', `Not a private endpoint id: ${spec.id}`);
    const key = spec.id.toLowerCase();
    const existing = this.endpoints.get(key);
    const pls = this.resolveTarget(spec.target);
    if (existing !== undefined) {
      if (pls === undefined || pls.id.toLowerCase() !== existing.plsKey) {
        throw new EmulatorError(
          400,
          'CannotChangePrivateLinkServiceConnectionOfPrivateEndpoint',
          `Private endpoint ${spec.id} is already connected to another Private Link Service; delete and recreate it.`,
        );
      }
      if (spec.requestedStatus === 'Pending') this.requestAgain(existing);
      return { endpoint: existing, created: false };
    }
    if (pls === undefined) {
      throw new EmulatorError(
        400,
        'PrivateLinkServiceNotFound',
        `Private link service ${spec.target} referenced by private endpoint ${spec.id} was not found (by resource id or alias).`,
      );
    }
    if (!isVisible(pls, pe.subscriptionId)) {
      throw new EmulatorError(
        400,
        'PrivateLinkServiceNotVisibleToSubscription',
        `Private link service ${spec.target} is not visible to subscription ${pe.subscriptionId}.`,
      );
    }
    const requestMessage = spec.requestMessage ?? '';
    if (requestMessage.length > MAX_DESCRIPTION_LENGTH) {
      throw new EmulatorError(
        400,
        'PrivateEndpointRequestMessageTooLong',
        `The request message is ${requestMessage.length} characters long; at most ${MAX_DESCRIPTION_LENGTH} are allowed.`,
      );
    }
    const manual = spec.manual ?? true;
    const autoApproved = pls.autoApproval.includes(pe.subscriptionId);
    if (!manual && !autoApproved && pe.subscriptionId !== pls.subscriptionId) {
      const consumerTenant = this.tenantOf(pe.subscriptionId);
      const crossTenant =
        consumerTenant !== undefined && consumerTenant !== this.tenantOf(pls.subscriptionId);
      throw linkedAuthorizationFailed(spec.id, pls, crossTenant ? consumerTenant : undefined);
    }
    const connection = this.insertConnection(pls, {
      name: `${pe.name}.${randomUUID()}`,
      privateEndpointId: spec.id,
      privateEndpointLocation: spec.location,
      status: autoApproved ? 'Approved' : 'Pending',
      description: autoApproved ? 'Auto-Approved' : requestMessage,
    });
    const endpoint: PrivateEndpointRecord = {
      id: spec.id,
      subscriptionId: pe.subscriptionId,
      name: pe.name,
      location: spec.location,
      manual,
      connectionName: spec.connectionName ?? pe.name,
      target: spec.target,
      plsKey: pls.id.toLowerCase(),
      plsConnectionName: connection.name,
      requestMessage,
      subnetId: spec.subnetId ?? defaultSubnet(pe.subscriptionId, pe.resourceGroup),
      provisioningState: 'Succeeded',
      etag: newEtag(),
    };
    this.endpoints.set(key, endpoint);
    this.disconnected.delete(key);
    return { endpoint, created: true };
  }

  /** The consumer asks again for a Rejected connection: it becomes Pending with the request message. */
  requestAgain(endpoint: PrivateEndpointRecord): ConnectionRecord | undefined {
    const connection = this.pls
      .get(endpoint.plsKey)
      ?.connections.get(endpoint.plsConnectionName.toLowerCase());
    if (connection === undefined || connection.status !== 'Rejected') return connection;
    connection.status = 'Pending';
    connection.description = endpoint.requestMessage;
    connection.etag = newEtag();
    return connection;
  }

  privateEndpoint(id: string): PrivateEndpointRecord | undefined {
    return this.endpoints.get(id.toLowerCase());
  }

  privateEndpoints(): PrivateEndpointRecord[] {
    return [...this.endpoints.values()];
  }

  /** Records the endpoint's private IP (its NIC's address), as the data path allocated it. */
  assignPrivateIp(privateEndpointId: string, ip: string): void {
    this.privateIps.set(privateEndpointId.toLowerCase(), ip);
  }

  privateIpOf(privateEndpointId: string): string | undefined {
    return this.privateIps.get(privateEndpointId.toLowerCase());
  }

  requirePrivateEndpoint(id: string): PrivateEndpointRecord {
    const endpoint = this.privateEndpoint(id);
    if (endpoint === undefined) {
      const ref = tryParsePrivateEndpointId(id);
      throw resourceNotFound(
        `Microsoft.Network/privateEndpoints/${ref?.name ?? id}`,
        ref?.resourceGroup ?? '',
      );
    }
    return endpoint;
  }

  /** The connection state as the consumer reads it from its own endpoint. */
  consumerState(endpoint: PrivateEndpointRecord): ConsumerConnectionState {
    const connection = this.pls
      .get(endpoint.plsKey)
      ?.connections.get(endpoint.plsConnectionName.toLowerCase());
    if (connection === undefined || this.disconnected.has(endpoint.id.toLowerCase())) {
      return {
        status: 'Disconnected',
        description: 'The connection was removed by the Private Link Service owner.',
        actionsRequired: 'None',
      };
    }
    if (connection.status === 'Pending') {
      return { status: 'Pending', description: 'Awaiting approval', actionsRequired: 'None' };
    }
    return {
      status: connection.status,
      description: connection.description,
      actionsRequired: connection.actionsRequired,
    };
  }

  markPrivateEndpointDeleting(id: string): PrivateEndpointRecord | undefined {
    const endpoint = this.privateEndpoint(id);
    if (endpoint !== undefined) endpoint.provisioningState = 'Deleting';
    return endpoint;
  }

  /** Deletes the consumer's endpoint; its connection disappears from the PLS. Returns the removed connection's id. */
  removePrivateEndpoint(id: string): string | undefined {
    const key = id.toLowerCase();
    const endpoint = this.endpoints.get(key);
    if (endpoint === undefined) return undefined;
    this.endpoints.delete(key);
    this.disconnected.delete(key);
    const pls = this.pls.get(endpoint.plsKey);
    const connection = pls?.connections.get(endpoint.plsConnectionName.toLowerCase());
    if (pls === undefined || connection === undefined) return undefined;
    pls.connections.delete(endpoint.plsConnectionName.toLowerCase());
    return connectionId(pls, connection);
  }

  private insertConnection(
    pls: PlsRecord,
    fields: Pick<
      ConnectionRecord,
      'name' | 'privateEndpointId' | 'privateEndpointLocation' | 'status' | 'description'
    >,
  ): ConnectionRecord {
    const key = fields.name.toLowerCase();
    if (pls.connections.has(key)) throw new Error(`Connection already exists: ${fields.name}`);
    const record: ConnectionRecord = {
      ...fields,
      id: formatPlsConnectionId(pls.id, fields.name),
      plsKey: pls.id.toLowerCase(),
      actionsRequired: 'None',
      linkIdentifier: String(randomInt(1, 2 ** 31 - 1)),
      provisioningState: 'Succeeded',
      etag: newEtag(),
    };
    pls.connections.set(key, record);
    return record;
  }
}

export function connectionId(_pls: PlsRecord, connection: ConnectionRecord): string {
  return connection.id;
}

function linkedAuthorizationFailed(
  privateEndpointId: string,
  pls: PlsRecord,
  /** Set when the consumer is in another tenant than the provider. */
  foreignTenant: string | undefined,
): EmulatorError {
  return new EmulatorError(
    403,
    'LinkedAuthorizationFailed',
    foreignTenant === undefined
      ? `The client has permission to perform action 'Microsoft.Network/privateEndpoints/write' on scope '${privateEndpointId}'; however, it does not have permission to perform action 'Microsoft.Network/privateLinkServices/PrivateEndpointConnectionsApproval/action' on the linked scope '${pls.id}'. Request the connection manually.`
      : `The client has permission to perform action 'Microsoft.Network/privateEndpoints/write' on scope '${privateEndpointId}'; however, the current tenant '${foreignTenant}' is not authorized to access linked subscription '${pls.subscriptionId}'. Request the connection manually.`,
  );
}

/**
 * Whether a subscription may create an endpoint to the PLS: its own subscription always; under
 * `accessMode: Restricted` only the subscriptions named in the visibility list (a `*` there admits
 * no one more: "limits access to subscriptions which are inside visibility list only", the enum's
 * description in the 2025-01-01 spec); under `Default` also anyone when the list holds `*`.
 */
function isVisible(pls: PlsRecord, subscriptionId: string): boolean {
  return (
    (pls.accessMode !== 'Restricted' && pls.visibility.includes('*')) ||
    pls.visibility.includes(subscriptionId) ||
    pls.subscriptionId === subscriptionId
  );
}

/** The endpoint's parts, its subscription lower-cased like every key here. */
function parsePe(id: string): { subscriptionId: string; resourceGroup: string; name: string } | undefined {
  const ref = tryParsePrivateEndpointId(id);
  return ref === undefined ? undefined : { ...ref, subscriptionId: ref.subscriptionId.toLowerCase() };
}

function defaultSubnet(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/virtualNetworks/vnet-consumer/subnets/snet-endpoints`;
}

/** ARM's ETag mismatch: 412 PreconditionFailed, the reason in details[].code (ARM request guidelines). */
function etagMismatch(ifMatch: string, name: string): EmulatorError {
  return new EmulatorError(
    412,
    'PreconditionFailed',
    `The condition specified using HTTP conditional header(s) is not met (If-Match: ${ifMatch}).`,
    {
      details: [
        {
          code: 'PreconditionFailedEtagMismatch',
          message: `The specified ETag ${ifMatch} does not match the current ETag of ${name}.`,
        },
      ],
    },
  );
}
