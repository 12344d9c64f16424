import type {
  NetworkManagementClient,
  PrivateEndpoint,
  PrivateLinkService,
  PrivateEndpointConnection as SdkConnection,
} from '@azure/arm-network';
import type { TokenCredential } from '@azure/core-auth';
import { isLoopbackHost } from '../net/loopback';
import { toArmError } from './arm-errors';
import type {
  ArmGateway,
  ConnectionStateUpdate,
  ConnectionStatus,
  ListedPrivateLinkService,
  PlsExposureUpdate,
  PrivateEndpointConnection,
  PrivateLinkServiceInfo,
} from './arm-gateway';
import { ArmMetrics } from './arm-metrics';
import { type ArmPacingSettings, pacingOptions } from './arm-pacing';
import { ARM_PACING_POLICY_NAME, armPacingPolicy } from './arm-pacing-policy';
import {
  ARM_RETRY_POLICY_NAME,
  type ArmRetryOptions,
  armRetryPolicy,
  DEFAULT_RETRY_OPTIONS,
} from './arm-retry-policy';
import { loopbackBearerPolicy } from './loopback-bearer-policy';
import {
  assertConnectionName,
  formatPlsConnectionId,
  parsePlsId,
  parsePrivateEndpointId,
  plsNameOf,
  tryParsePlsConnectionId,
} from './resource-id';

// Policy names of @azure/core-rest-pipeline (a transitive dependency, so not imported at run time);
// the gateway tests assert both are gone from (or kept in) the pipeline, so a rename cannot slip by.
const SDK_BEARER_POLICY_NAME = 'bearerTokenAuthenticationPolicy';
const SDK_RETRY_POLICY_NAME = 'defaultRetryPolicy';

export interface ArmNetworkGatewayOptions {
  /** ARM origin (config.arm.endpoint): https anywhere, plain http only on loopback. */
  readonly endpoint: URL;
  /** Token scope (config.arm.scope). */
  readonly scope: string;
  readonly credential: TokenCredential;
  readonly retry?: Partial<ArmRetryOptions>;
  /**
   * Pacing on ARM's remaining-requests headers (see arm-pacing.ts); on with ARM's documented refill
   * rates by default, `false` turns it off.
   */
  readonly pacing?: ArmPacingSettings | false;
  readonly metrics?: ArmMetrics;
  /** Poll interval of long-running deletes; ARM's own Retry-After wins when it sends one. */
  readonly lroPollIntervalMs?: number;
  /** Jitter source (tests pass a fixed one). */
  readonly random?: () => number;
}

/**
 * The ArmGateway on the real `@azure/arm-network` client. One client per subscription (the SDK binds
 * a client to one), created on first use with the SDK loaded lazily. Our retry policy replaces the
 * SDK's (see arm-retry-policy.ts), and inside it each attempt is paced on ARM's remaining-requests
 * headers (see arm-pacing.ts); errors leave as AppErrors (see arm-errors.ts).
 */
export class ArmNetworkGateway implements ArmGateway {
  readonly metrics: ArmMetrics;
  private readonly clients = new Map<string, Promise<NetworkManagementClient>>();
  private readonly retry: ArmRetryOptions;

  constructor(private readonly options: ArmNetworkGatewayOptions) {
    const { protocol, hostname } = options.endpoint;
    if (protocol !== 'https:' && !(protocol === 'http:' && isLoopbackHost(hostname))) {
      // Config refuses this already; the gateway refuses it again because it is where the token goes.
      throw new Error('ARM endpoint must be https (plain http only for loopback hosts).');
    }
    this.metrics = options.metrics ?? new ArmMetrics();
    this.retry = { ...DEFAULT_RETRY_OPTIONS, ...options.retry };
  }

  async getPrivateLinkService(plsId: string): Promise<PrivateLinkServiceInfo> {
    const ref = parsePlsId(plsId);
    return this.call('get private link service', ref.subscriptionId, async (client) =>
      toPlsInfo(await client.privateLinkServices.get(ref.resourceGroup, ref.name), plsId),
    );
  }

  async setPlsExposure(plsId: string, update: PlsExposureUpdate): Promise<PrivateLinkServiceInfo> {
    const ref = parsePlsId(plsId);
    return this.call('set private link service exposure', ref.subscriptionId, async (client) => {
      // A PUT replaces the resource: the body is the PLS as ARM has it, with the two settings changed.
      // Should it have changed since the caller's read, If-Match makes ARM refuse the whole write.
      const current = await client.privateLinkServices.get(ref.resourceGroup, ref.name);
      const body = {
        ...current,
        visibility: { subscriptions: [...update.visibility] },
        accessMode: update.accessMode,
      } as PrivateLinkService;
      const written = await client.privateLinkServices.beginCreateOrUpdateAndWait(
        ref.resourceGroup,
        ref.name,
        body,
        {
          updateIntervalInMs: this.options.lroPollIntervalMs ?? 2_000,
          requestOptions: { customHeaders: { 'If-Match': update.ifMatch } },
        },
      );
      return toPlsInfo(written, plsId);
    });
  }

  async listPlsConnections(plsId: string): Promise<PrivateEndpointConnection[]> {
    const ref = parsePlsId(plsId);
    return this.call('list connections', ref.subscriptionId, async (client) => {
      const connections: PrivateEndpointConnection[] = [];
      const pages = client.privateLinkServices
        .listPrivateEndpointConnections(ref.resourceGroup, ref.name)
        .byPage();
      for await (const page of pages) {
        for (const item of page) connections.push(toConnection(item, plsId));
      }
      return connections;
    });
  }

  /**
   * Every PLS of one subscription with its connections inline, and how many pages (reads) that took:
   * `GET /subscriptions/{id}/providers/Microsoft.Network/privateLinkServices`
   * (PrivateLinkServices_ListBySubscription in privateLinkService.json, Azure/azure-rest-api-specs
   * network stable 2025-01-01: pageable on `nextLink`; each item's PrivateLinkServiceProperties carry
   * the read-only `privateEndpointConnections` array). One list per subscription instead of one per PLS.
   */
  async listSubscriptionPrivateLinkServices(
    subscriptionId: string,
  ): Promise<{ readonly services: ListedPrivateLinkService[]; readonly pages: number }> {
    return this.call('list private link services', subscriptionId, async (client) => {
      const services: ListedPrivateLinkService[] = [];
      let pages = 0;
      for await (const page of client.privateLinkServices.listBySubscription().byPage()) {
        pages += 1;
        for (const pls of page) {
          if (pls.id === undefined) continue;
          services.push({
            id: pls.id,
            connections: (pls.privateEndpointConnections ?? []).map((c) => {
              const connection = toConnection(c, pls.id as string);
              return { name: connection.name, status: connection.status };
            }),
          });
        }
      }
      return { services, pages };
    });
  }

  async readConnection(plsId: string, connectionName: string): Promise<PrivateEndpointConnection> {
    const ref = parsePlsId(plsId);
    const name = assertConnectionName(connectionName);
    return this.call('get connection', ref.subscriptionId, async (client) =>
      toConnection(
        await client.privateLinkServices.getPrivateEndpointConnection(ref.resourceGroup, ref.name, name),
        plsId,
      ),
    );
  }

  async updateConnectionState(
    plsId: string,
    connectionName: string,
    update: ConnectionStateUpdate,
  ): Promise<PrivateEndpointConnection> {
    const ref = parsePlsId(plsId);
    const name = assertConnectionName(connectionName);
    return this.call('update connection state', ref.subscriptionId, async (client) => {
      const updated = await client.privateLinkServices.updatePrivateEndpointConnection(
        ref.resourceGroup,
        ref.name,
        name,
        {
          privateLinkServiceConnectionState: {
            status: update.status,
            description: update.description,
            ...(update.actionsRequired === undefined ? {} : { actionsRequired: update.actionsRequired }),
          },
        },
        update.ifMatch === undefined
          ? {}
          : { requestOptions: { customHeaders: { 'If-Match': update.ifMatch } } },
      );
      return toConnection(updated, plsId);
    });
  }

  async deleteConnection(plsId: string, connectionName: string): Promise<void> {
    const ref = parsePlsId(plsId);
    const name = assertConnectionName(connectionName);
    await this.call('delete connection', ref.subscriptionId, (client) =>
      client.privateLinkServices.beginDeletePrivateEndpointConnectionAndWait(
        ref.resourceGroup,
        ref.name,
        name,
        {
          updateIntervalInMs: this.options.lroPollIntervalMs ?? 2_000,
        },
      ),
    );
  }

  async getPrivateEndpointConnectionStatus(privateEndpointId: string): Promise<ConnectionStatus | undefined> {
    const ref = parsePrivateEndpointId(privateEndpointId);
    return this.call('get private endpoint', ref.subscriptionId, async (client) =>
      endpointStatus(await client.privateEndpoints.get(ref.resourceGroup, ref.name)),
    );
  }

  async getPrivateEndpointServiceIds(privateEndpointId: string): Promise<string[]> {
    const ref = parsePrivateEndpointId(privateEndpointId);
    return this.call('get private endpoint', ref.subscriptionId, async (client) =>
      endpointServiceIds(await client.privateEndpoints.get(ref.resourceGroup, ref.name)),
    );
  }

  /** Runs one operation on the subscription's client, timing it and mapping every failure. */
  private async call<T>(
    what: string,
    subscriptionId: string,
    operation: (client: NetworkManagementClient) => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    try {
      return await operation(await this.client(subscriptionId));
    } catch (error) {
      throw toArmError(error, what);
    } finally {
      this.metrics.recordOperation(performance.now() - started);
    }
  }

  private client(subscriptionId: string): Promise<NetworkManagementClient> {
    const key = subscriptionId.toLowerCase();
    let client = this.clients.get(key);
    if (client === undefined) {
      client = this.createClient(key);
      this.clients.set(key, client);
      client.catch(() => this.clients.delete(key));
    }
    return client;
  }

  private createClient(subscriptionId: string): Promise<NetworkManagementClient> {
    return createNetworkClient(subscriptionId, {
      endpoint: this.options.endpoint,
      scope: this.options.scope,
      credential: this.options.credential,
      retry: this.retry,
      metrics: this.metrics,
      ...(this.options.pacing === undefined ? {} : { pacing: this.options.pacing }),
      ...(this.options.random === undefined ? {} : { random: this.options.random }),
    });
  }

  /** For tests: the policies of a subscription's pipeline, in order. */
  async pipelinePolicyNames(subscriptionId: string): Promise<string[]> {
    return (await this.client(subscriptionId)).pipeline.getOrderedPolicies().map((p) => p.name);
  }
}

export { ARM_PACING_POLICY_NAME, ARM_RETRY_POLICY_NAME };

/**
 * A NetworkManagementClient for one subscription with the gateway's pipeline: our retry policy in
 * place of the SDK's and, for a loopback http endpoint only, the loopback bearer policy. Exported for
 * code that plays the consumer against the emulator (tests, local scenarios).
 */
export async function createNetworkClient(
  subscriptionId: string,
  options: Pick<ArmNetworkGatewayOptions, 'endpoint' | 'scope' | 'credential' | 'random' | 'pacing'> & {
    readonly retry?: Partial<ArmRetryOptions>;
    readonly metrics?: ArmMetrics;
  },
): Promise<NetworkManagementClient> {
  const { endpoint, scope, credential } = options;
  if (
    endpoint.protocol !== 'https:' &&
    !(endpoint.protocol === 'http:' && isLoopbackHost(endpoint.hostname))
  ) {
    throw new Error('ARM endpoint must be https (plain http only for loopback hosts).');
  }
  const { NetworkManagementClient } = await import('@azure/arm-network');
  const client = new NetworkManagementClient(credential, subscriptionId, {
    endpoint: endpoint.origin,
    credentialScopes: [scope],
    userAgentOptions: { userAgentPrefix: 'private-link-gatekeeper' },
  });
  client.pipeline.removePolicy({ name: SDK_RETRY_POLICY_NAME });
  client.pipeline.addPolicy(
    armRetryPolicy(
      { ...DEFAULT_RETRY_OPTIONS, ...options.retry },
      {
        ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
        ...(options.random === undefined ? {} : { random: options.random }),
      },
    ),
    { phase: 'Retry' },
  );
  if (options.pacing !== false) {
    client.pipeline.addPolicy(
      armPacingPolicy(
        pacingOptions(options.pacing),
        options.metrics === undefined ? {} : { metrics: options.metrics },
      ),
      // Inside the retry policy, so each attempt (retries too) is paced.
      { phase: 'Retry', afterPolicies: [ARM_RETRY_POLICY_NAME] },
    );
  }
  if (endpoint.protocol === 'http:') {
    client.pipeline.removePolicy({ name: SDK_BEARER_POLICY_NAME });
    client.pipeline.addPolicy(loopbackBearerPolicy(credential, scope), { phase: 'Sign' });
  }
  return client;
}

function toConnection(item: SdkConnection, plsId: string): PrivateEndpointConnection {
  const name =
    item.name ?? (item.id === undefined ? undefined : tryParsePlsConnectionId(item.id)?.name) ?? '';
  return {
    id: item.id ?? formatPlsConnectionId(plsId, name),
    name,
    plsId,
    privateEndpointId: item.privateEndpoint?.id,
    privateEndpointLocation: item.privateEndpointLocation,
    status: item.privateLinkServiceConnectionState?.status ?? 'Unknown',
    description: item.privateLinkServiceConnectionState?.description,
    actionsRequired: item.privateLinkServiceConnectionState?.actionsRequired,
    linkIdentifier: item.linkIdentifier,
    provisioningState: item.provisioningState,
    etag: item.etag,
  };
}

function toPlsInfo(pls: PrivateLinkService, plsId: string): PrivateLinkServiceInfo {
  return {
    id: plsId,
    name: pls.name ?? plsNameOf(plsId),
    location: pls.location,
    alias: pls.alias,
    autoApprovalSubscriptions: pls.autoApproval?.subscriptions ?? [],
    visibilitySubscriptions: pls.visibility?.subscriptions ?? [],
    accessMode: rawString(pls, 'accessMode'),
    enableProxyProtocol: pls.enableProxyProtocol === true,
    destinationIPAddress: rawString(pls, 'destinationIPAddress'),
    fqdns: pls.fqdns ?? [],
    etag: pls.etag,
  };
}

/**
 * A PLS property read without trusting the SDK's types to have it: @azure/arm-network 36.0.0
 * (API 2025-05-01) declares `accessMode` and `destinationIPAddress` and its mapper keeps them, but
 * an SDK or API version without them leaves them off, and ARM may send values the enum lacks.
 */
function rawString(pls: PrivateLinkService, name: 'accessMode' | 'destinationIPAddress'): string | undefined {
  const value: unknown = (pls as Record<string, unknown>)[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Both lists: ARM fills `manualPrivateLinkServiceConnections` or `privateLinkServiceConnections`, by how it was requested. */
function endpointServiceIds(endpoint: PrivateEndpoint): string[] {
  return [
    ...(endpoint.manualPrivateLinkServiceConnections ?? []),
    ...(endpoint.privateLinkServiceConnections ?? []),
  ].flatMap((c) =>
    c.privateLinkServiceId === undefined || c.privateLinkServiceId === '' ? [] : [c.privateLinkServiceId],
  );
}

function endpointStatus(endpoint: PrivateEndpoint): ConnectionStatus | undefined {
  const connection =
    endpoint.manualPrivateLinkServiceConnections?.[0] ?? endpoint.privateLinkServiceConnections?.[0];
  return connection?.privateLinkServiceConnectionState?.status;
}
