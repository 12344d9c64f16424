import { describe, expect, it } from 'vitest';
import { TenantCache } from '../../../../../shared/approval/storage/tenant-cache';
import { testContainer } from '../../../../helpers/storage';

const SUB_KNOWN = 'c1000000-0000-4000-8000-000000000001';
const SUB_UNKNOWN = 'c3000000-0000-4000-8000-000000000004';
const TENANT = 'AAAAAAAA-1111-4111-8111-000000000001';

describe('TenantCache against Azurite', () => {
  it('keeps a known tenant for the TTL and an unknown one for at most an hour, and retries failures soon', async () => {
    const container = testContainer();
    let now = Date.parse('2026-01-01T00:00:00Z');
    const clock = { now: () => new Date(now) };
    const asked: string[] = [];
    let failNext = false;
    const lookup = async (sub: string) => {
      asked.push(sub);
      if (failNext) {
        failNext = false;
        throw new Error('ARM unreachable');
      }
      return sub === SUB_KNOWN ? TENANT : undefined;
    };
    const cache = new TenantCache(() => container.table('TenantCache'), lookup, clock, 6);
    expect(await cache.tenantOf(SUB_KNOWN.toUpperCase())).toBe(TENANT.toLowerCase());
    expect(await cache.tenantOf(SUB_UNKNOWN)).toBeUndefined();
    await Promise.all(Array.from({ length: 20 }, () => cache.tenantOf(SUB_KNOWN)));
    expect(asked).toEqual([SUB_KNOWN, SUB_UNKNOWN]);

    now += 61 * 60_000; // unknown expired, known still fresh
    expect(await cache.tenantOf(SUB_KNOWN)).toBe(TENANT.toLowerCase());
    expect(await cache.tenantOf(SUB_UNKNOWN)).toBeUndefined();
    expect(asked).toEqual([SUB_KNOWN, SUB_UNKNOWN, SUB_UNKNOWN]);

    // A fresh instance (empty memory) reads the table, not ARM.
    const other = new TenantCache(() => container.table('TenantCache'), lookup, clock, 6);
    expect(await other.tenantOf(SUB_KNOWN)).toBe(TENANT.toLowerCase());
    expect(other.lookups).toBe(0);

    now += 6 * 3_600_000; // known expired too; ARM fails this time: unknown, fail closed, not stored
    failNext = true;
    expect(await other.tenantOf(SUB_KNOWN)).toBeUndefined();
    now += 2 * 60_000;
    expect(await other.tenantOf(SUB_KNOWN)).toBe(TENANT.toLowerCase());
    expect(other.lookups).toBe(2);
  });
});
