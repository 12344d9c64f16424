/*
 * The one place where the product's dependencies are built. Everything is lazy and memoised:
 * importing this module (or any module) opens no socket and loads no Azure SDK, so a cold start
 * pays only for what the invoked function really uses. Tests build their own container from an
 * env object instead of patching globals.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { TableClient, TableServiceClient } from '@azure/data-tables';
import type { QueueClient } from '@azure/storage-queue';
import type { Policy } from './approval/core/policy/policy';
import type { ApprovalServices } from './approval/use-cases/approval-services';
import type { OnboardingCodeAdminPorts } from './approval/use-cases/onboarding-codes';
import type { ArmGateway } from './arm/arm-gateway';
import type { ArmMetrics } from './arm/arm-metrics';
import type { ArmNetworkGatewayOptions } from './arm/arm-network-gateway';
import { type Clock, systemClock } from './clock';
import { type Config, type Env, parseConfig } from './config/config';
import { isAppError } from './errors';
import type { Log } from './log';
import { isLoopbackHost } from './net/loopback';
import type { Notifier } from './notify/storage/notifier';
import type { NotificationOutbox } from './notify/storage/store-hooks';
import type { ProbedTarget } from './probe/core/types';
import { storageError, storageStatus } from './storage/table-errors';

export interface ContainerOptions {
  readonly env: Env;
  readonly clock?: Clock;
  /** Directory that relative file settings (policy, probe targets) resolve against. */
  readonly appRoot?: string;
  /** Overrides the ARM credential (tests and the local host use a static token; Azure uses managed identity). */
  readonly armCredential?: TokenCredential;
  /**
   * Availability telemetry overrides for tests and the local lab: the CA of a local ingestion
   * stand-in (the exporter always speaks https), and a credential instead of managed identity.
   */
  readonly telemetry?: { readonly ca?: string; readonly credential?: TokenCredential };
  /** Tunes the ARM gateway (tests: fast retries and polls; benchmarks: their own metrics object). */
  readonly armGateway?: Partial<
    Pick<ArmNetworkGatewayOptions, 'retry' | 'metrics' | 'lroPollIntervalMs' | 'random' | 'pacing'>
  >;
}

export class Container {
  readonly clock: Clock;
  readonly appRoot: string;
  readonly telemetryOverrides: NonNullable<ContainerOptions['telemetry']>;
  private readonly env: Env;
  private readonly memo = new Map<string, unknown>();
  private readonly armCredentialOverride: TokenCredential | undefined;
  private readonly armGatewayOptions: ContainerOptions['armGateway'];

  constructor(options: ContainerOptions) {
    this.env = options.env;
    this.clock = options.clock ?? systemClock;
    this.appRoot = options.appRoot ?? process.cwd();
    this.armCredentialOverride = options.armCredential;
    this.armGatewayOptions = options.armGateway;
    this.telemetryOverrides = options.telemetry ?? {};
  }

  /** Parsed once; throws the `config_invalid` AppError listing every bad setting. */
  get config(): Config {
    return this.once('config', () => parseConfig(this.env));
  }

  /** Managed identity in Azure (honouring AZURE_CLIENT_ID), developer credentials elsewhere. */
  async credential(): Promise<TokenCredential> {
    return this.onceAsync('credential', async () => {
      const { DefaultAzureCredential } = await import('@azure/identity');
      const clientId = this.config.arm.clientId;
      return new DefaultAzureCredential(clientId === undefined ? {} : { managedIdentityClientId: clientId });
    });
  }

  /** The ARM token source: an override, else a fixed local token for a loopback ARM_ENDPOINT, else `credential()`. */
  async armCredential(): Promise<TokenCredential> {
    if (this.armCredentialOverride !== undefined) return this.armCredentialOverride;
    if (isLoopbackHost(this.config.arm.endpoint.hostname)) {
      // Your own ARM on this machine (the emulator, recorded traffic): no Azure login needed or used.
      return (await import('./arm/loopback-credential')).loopbackArmCredential;
    }
    return this.credential();
  }

  /** The ARM gateway on @azure/arm-network (loaded on first use), pointed at ARM_ENDPOINT. */
  armGateway(): Promise<ArmGateway & { readonly metrics: ArmMetrics }> {
    return this.armNetworkGateway('armGateway', {});
  }

  /** The approval policy (APPROVAL_POLICY or APPROVAL_POLICY_PATH); a bad one throws `policy_invalid` and is retried next call. */
  async approvalPolicy(): Promise<Policy> {
    return this.onceAsync('approvalPolicy', async () =>
      (await import('./approval/adapters/policy-loader')).loadPolicy(
        this.config.approval.policySource,
        this.appRoot,
      ),
    );
  }

  /** Resource Graph on ARM_ENDPOINT with the ARM credential (service discovery), built on first use. */
  resourceGraph(): Promise<import('./arm/resource-graph').ResourceGraphClient> {
    return this.resourceGraphClient('resourceGraph', {});
  }

  /**
   * ARM for the "what is new" pass: its own gateway with one attempt per request, so a 429 ends the
   * pass at once and the pass backs off as a whole (its next period) instead of retrying inside.
   */
  watchLister(): Promise<import('./arm/arm-network-gateway').ArmNetworkGateway> {
    return this.armNetworkGateway('watchLister', { maxAttempts: 1 });
  }

  /** One ARM gateway per use (each with its own retry), on ARM_ENDPOINT with the ARM credential. */
  private armNetworkGateway(
    key: string,
    retry: { readonly maxAttempts?: number },
  ): Promise<import('./arm/arm-network-gateway').ArmNetworkGateway> {
    return this.onceAsync(key, async () => {
      const { ArmNetworkGateway } = await import('./arm/arm-network-gateway');
      const { endpoint, scope } = this.config.arm;
      return new ArmNetworkGateway({
        endpoint,
        scope,
        credential: await this.armCredential(),
        ...this.armGatewayOptions,
        retry: { ...this.armGatewayOptions?.retry, ...retry },
      });
    });
  }

  /** Resource Graph for the pass: no quota wait inside (a spent quota ends the pass; it backs off). */
  watchGraph(): Promise<import('./arm/resource-graph').ResourceGraphClient> {
    return this.resourceGraphClient('watchGraph', { maxWaitMs: 0 });
  }

  /** One Resource Graph client per use (each with its own quota wait), on ARM_ENDPOINT with the ARM credential. */
  private resourceGraphClient(
    key: string,
    options: Pick<import('./arm/resource-graph').ResourceGraphOptions, 'maxWaitMs'>,
  ): Promise<import('./arm/resource-graph').ResourceGraphClient> {
    return this.onceAsync(key, async () => {
      const { ResourceGraphClient } = await import('./arm/resource-graph');
      const { endpoint, scope } = this.config.arm;
      return new ResourceGraphClient({ endpoint, scope, credential: await this.armCredential(), ...options });
    });
  }

  /** The "what is new" pass: the approval services plus its lists and shared state, built on first use. */
  async watchServices(): Promise<import('./approval/use-cases/watch-new-connections').WatchDeps> {
    const services = await this.approvalServices();
    return this.onceAsync('watchServices', async () =>
      (await import('./approval/watch-wiring')).buildWatchDeps(this, services),
    );
  }

  /** The approval decision path's stores, tenant cache and ARM gateway, built on first use. */
  async approvalServices(): Promise<ApprovalServices> {
    return this.onceAsync('approvalServices', async () =>
      (await import('./approval/wiring')).buildApprovalServices(this),
    );
  }

  /** The onboarding code records and keys (the API's code routes), without the rest of approval. */
  async onboardingCodes(): Promise<OnboardingCodeAdminPorts> {
    return this.onceAsync('onboardingCodes', async () =>
      (await import('./approval/wiring')).buildOnboardingCodePorts(this),
    );
  }

  /**
   * Where notifications are staged and enqueued; null when NOTIFY_WEBHOOKS is unset, so stores
   * skip the outbox entirely and nothing notification-related is loaded. Throws `config_invalid`
   * while the notification settings or the webhook list are invalid: the notification functions
   * fail (their messages are retried) until they are fixed.
   */
  async notifier(): Promise<Notifier | null> {
    if (this.config.notify.webhooksSource === null) return null;
    return this.onceAsync('notifier', async () => (await import('./notify/wiring')).buildNotifier(this));
  }

  /**
   * The outbox ports the audit, drift and probe-event stores write their notifications through
   * (in their own transactions); null when NOTIFY_WEBHOOKS is unset, and null too while the
   * notification settings are invalid: a bad optional setting switches notifications off, never
   * the approval or probe writes that would have staged them (health and the banner name it).
   */
  async outbox(): Promise<NotificationOutbox | null> {
    let notifier: Notifier | null;
    try {
      notifier = await this.notifier();
    } catch (error) {
      if (!isAppError(error) || error.code !== 'config_invalid') throw error;
      this.once('notify.off.logged', () =>
        console.warn(
          JSON.stringify({
            event: 'notify.off',
            reason: 'config_invalid',
            settings: [...new Set(error.issues.map((i) => i.path))],
          }),
        ),
      );
      return null;
    }
    if (notifier === null) return null;
    return this.onceAsync('outbox', async () => {
      const { NotificationOutbox } = await import('./notify/storage/store-hooks');
      return new NotificationOutbox(notifier);
    });
  }

  /** The probe run's availability results, sent through the telemetry feature (nothing is loaded without its setting). */
  async publishAvailability(log: Log, probed: readonly ProbedTarget[]): Promise<number> {
    // Invalid telemetry settings switch off the availability results only; the probe run goes on.
    if (this.config.settingIssues.telemetry.length > 0) return 0;
    if (this.config.telemetry.connectionString === undefined) return 0;
    return (await import('./telemetry/use-cases/publish-availability')).publishAvailability(
      this,
      log,
      probed,
    );
  }

  /** Full table name for a logical one: the configured prefix keeps several installations apart in one account. */
  tableName(logical: string): string {
    return `${this.config.tablePrefix}${logical}`;
  }

  /** A TableClient for a logical table, created on first use (idempotently: a concurrent create is fine). */
  async table(logical: string): Promise<TableClient> {
    return this.onceAsync(`table:${logical}`, async () => {
      const client = await this.tableClient(this.tableName(logical));
      await ensureTable(client);
      return client;
    });
  }

  /** A TableClient for a table whose name is computed at run time (monthly tables), created on first use. */
  async tableClient(fullName: string): Promise<TableClient> {
    const { TableClient } = await import('@azure/data-tables');
    const storage = this.config.storage;
    if (storage.kind === 'connectionString') {
      return TableClient.fromConnectionString(storage.connectionString, fullName, {
        allowInsecureConnection: usesPlainHttp(storage.connectionString),
      });
    }
    const credential = await this.storageCredential();
    return new TableClient(storage.tableEndpoint, fullName, credential);
  }

  /** The account's table service: listing and dropping tables (monthly probe tables' retention). */
  async tableService(): Promise<TableServiceClient> {
    return this.onceAsync('tableService', async () => {
      const { TableServiceClient } = await import('@azure/data-tables');
      const storage = this.config.storage;
      if (storage.kind === 'connectionString') {
        return TableServiceClient.fromConnectionString(storage.connectionString, {
          allowInsecureConnection: usesPlainHttp(storage.connectionString),
        });
      }
      return new TableServiceClient(storage.tableEndpoint, await this.storageCredential());
    });
  }

  async queue(name: string): Promise<QueueClient> {
    return this.onceAsync(`queue:${name}`, async () => {
      const { QueueClient } = await import('@azure/storage-queue');
      const storage = this.config.storage;
      const client =
        storage.kind === 'connectionString'
          ? new QueueClient(storage.connectionString, name)
          : new QueueClient(
              `${storage.queueEndpoint.replace(/\/$/, '')}/${name}`,
              await this.storageCredential(),
            );
      await client.createIfNotExists();
      return client;
    });
  }

  private async storageCredential(): Promise<TokenCredential> {
    return this.onceAsync('storageCredential', async () => {
      const storage = this.config.storage;
      const clientId = storage.kind === 'identity' ? storage.clientId : undefined;
      if (clientId === this.config.arm.clientId) return this.credential();
      const { DefaultAzureCredential } = await import('@azure/identity');
      return new DefaultAzureCredential(clientId === undefined ? {} : { managedIdentityClientId: clientId });
    });
  }

  /** Memoise a synchronous value; a thrown error is not cached, so a fixed setting is picked up on retry. */
  protected once<T>(key: string, build: () => T): T {
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const value = build();
    this.memo.set(key, value);
    return value;
  }

  /** Memoise a promise; a rejected build is forgotten so the next call tries again. */
  protected onceAsync<T>(key: string, build: () => Promise<T>): Promise<T> {
    const existing = this.memo.get(key) as Promise<T> | undefined;
    if (existing !== undefined) return existing;
    const promise = build().catch((error: unknown) => {
      this.memo.delete(key);
      throw error;
    });
    this.memo.set(key, promise);
    return promise;
  }
}

function usesPlainHttp(connectionString: string): boolean {
  return (
    /UseDevelopmentStorage=true/i.test(connectionString) ||
    /DefaultEndpointsProtocol=http;/i.test(connectionString) ||
    /Endpoint=http:\/\//i.test(connectionString)
  );
}

async function ensureTable(client: TableClient): Promise<void> {
  try {
    await client.createTable();
  } catch (error) {
    if (storageStatus(error) === 409) return; // already exists (created by another instance)
    throw storageError(`creating or reaching table ${client.tableName}`, error);
  }
}

let root: Container | undefined;

/** The process-wide container the function adapters use. */
export function getContainer(): Container {
  root ??= new Container({ env: process.env });
  return root;
}

/** Replaces the process-wide container (the local host and tests of adapters use this). */
export function setContainer(container: Container | undefined): void {
  root = container;
}
