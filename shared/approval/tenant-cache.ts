import type { TableClient } from '@azure/data-tables';
import type { Clock } from '../clock';
import { statusCodeOf } from './storage-errors';
import { odata } from './table-keys';

/**
 * Which tenant owns a consumer subscription, as discovered from ARM (the tenant named in the 401
 * of an unauthenticated subscription GET). An identification hint, not authentication: anyone can
 * learn it, and it says who owns the subscription, not who asked. It never satisfies a tenant
 * condition when unknown.
 *
 * Cached in table `TenantCache` (PartitionKey `subscription`, RowKey = subscription id) for
 * TENANT_CACHE_TTL_HOURS, and in memory for the life of the instance. "Unknown" is cached too, for
 * at most an hour, so a storm of connections from one odd subscription does not hammer ARM.
 */
export type TenantLookup = (subscriptionId: string) => Promise<string | undefined>;

const UNKNOWN_TTL_MS = 60 * 60_000;
/** A failed lookup (ARM unreachable) is remembered only briefly and only in memory. */
const FAILURE_TTL_MS = 60_000;
const PARTITION = 'subscription';

interface CachedTenant {
  readonly tenantId: string | undefined;
  readonly expiresAt: number;
}

export class TenantCache {
  private readonly memory = new Map<string, CachedTenant>();
  private readonly inFlight = new Map<string, Promise<string | undefined>>();
  /** How many times ARM was asked (for tests and the benchmark). */
  lookups = 0;

  constructor(
    private readonly table: () => Promise<TableClient>,
    private readonly lookup: TenantLookup,
    private readonly clock: Clock,
    private readonly ttlHours: number,
  ) {}

  async tenantOf(subscriptionId: string | undefined): Promise<string | undefined> {
    if (subscriptionId === undefined) return undefined;
    const key = subscriptionId.toLowerCase();
    const now = this.clock.now().getTime();
    const cached = this.memory.get(key);
    if (cached !== undefined && cached.expiresAt > now) return cached.tenantId;
    const pending = this.inFlight.get(key);
    if (pending !== undefined) return pending;
    const promise = this.resolve(key).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  private async resolve(subscriptionId: string): Promise<string | undefined> {
    const stored = await this.readStored(subscriptionId);
    if (stored !== undefined) {
      this.memory.set(subscriptionId, stored);
      return stored.tenantId;
    }
    let tenantId: string | undefined;
    try {
      this.lookups++;
      tenantId = (await this.lookup(subscriptionId))?.toLowerCase();
    } catch {
      this.memory.set(subscriptionId, {
        tenantId: undefined,
        expiresAt: this.clock.now().getTime() + FAILURE_TTL_MS,
      });
      return undefined;
    }
    const ttl =
      tenantId === undefined
        ? Math.min(UNKNOWN_TTL_MS, this.ttlHours * 3_600_000)
        : this.ttlHours * 3_600_000;
    const entry = { tenantId, expiresAt: this.clock.now().getTime() + ttl };
    this.memory.set(subscriptionId, entry);
    await this.store(subscriptionId, entry);
    return tenantId;
  }

  private async readStored(subscriptionId: string): Promise<CachedTenant | undefined> {
    try {
      const table = await this.table();
      const row = await table.getEntity<{ tenantId?: string; expiresAt?: string }>(PARTITION, subscriptionId);
      const expiresAt = Date.parse(row.expiresAt ?? '');
      if (!(expiresAt > this.clock.now().getTime())) return undefined;
      return {
        tenantId: row.tenantId === undefined || row.tenantId === '' ? undefined : row.tenantId,
        expiresAt,
      };
    } catch (error) {
      // A cache that cannot be read is a cache miss, not a failure of the decision.
      if (statusCodeOf(error) === 404) return undefined;
      return undefined;
    }
  }

  private async store(subscriptionId: string, entry: CachedTenant): Promise<void> {
    try {
      const table = await this.table();
      await table.upsertEntity(
        {
          partitionKey: PARTITION,
          rowKey: subscriptionId,
          tenantId: entry.tenantId ?? '',
          expiresAt: new Date(entry.expiresAt).toISOString(),
        },
        'Replace',
      );
    } catch {
      // Best effort: the in-memory entry still spares ARM for this instance.
    }
  }

  /** For the API: every cached mapping (expired ones included, with their expiry). */
  async list(): Promise<{ subscriptionId: string; tenantId: string | undefined; expiresAt: string }[]> {
    const table = await this.table();
    const out: { subscriptionId: string; tenantId: string | undefined; expiresAt: string }[] = [];
    for await (const row of table.listEntities<{ tenantId?: string; expiresAt?: string }>({
      queryOptions: { filter: `PartitionKey eq ${odata(PARTITION)}` },
    })) {
      out.push({
        subscriptionId: row.rowKey ?? '',
        tenantId: row.tenantId === '' ? undefined : row.tenantId,
        expiresAt: row.expiresAt ?? '',
      });
    }
    return out;
  }
}
