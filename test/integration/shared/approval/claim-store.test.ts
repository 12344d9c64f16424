import { describe, expect, it } from 'vitest';
import { type ClaimRequest, ClaimStore } from '../../../../shared/approval/claim-store';
import type { Clock } from '../../../../shared/clock';
import { testContainer } from '../../../helpers/storage';

const PLS =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/pls-x';

function store(clock: Clock = { now: () => new Date() }) {
  const container = testContainer();
  return new ClaimStore(() => container.table('Claims'), clock, { heldMs: 1_000, doneMs: 5_000 });
}

const request = (name: string, decisionId: string, overrides: Partial<ClaimRequest> = {}): ClaimRequest => ({
  plsId: PLS,
  connectionName: name,
  decisionId,
  actorKind: 'policy',
  basedOn: 'Pending',
  target: 'Approved',
  ...overrides,
});

describe('ClaimStore against Azurite', () => {
  it('lets exactly one of many concurrent contenders win', async () => {
    const claims = store();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => claims.acquire(request('pe-1.a', `d${i}`))),
    );
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
    expect(results.filter((r) => !r.acquired && r.reason === 'held')).toHaveLength(19);
  });

  it('absorbs duplicates of a finished decision, but lets a decision from another state take over', async () => {
    const claims = store();
    const first = await claims.acquire(request('pe-2.a', 'd1'));
    if (!first.acquired) throw new Error('expected the claim');
    await claims.complete(first.handle);
    expect(await claims.acquire(request('pe-2.a', 'd2'))).toMatchObject({
      acquired: false,
      reason: 'decided',
    });
    expect(await claims.recentlyCompleted(PLS, 'PE-2.A', 60_000)).toBe(true);
    const revoke = await claims.acquire(request('pe-2.a', 'd3', { basedOn: 'Approved', target: 'Rejected' }));
    expect(revoke.acquired).toBe(true);
  });

  it('takes over an expired claim (a crashed holder) with an ETag-guarded replace', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const claims = store({ now: () => new Date(now) });
    expect((await claims.acquire(request('pe-3.a', 'd1'))).acquired).toBe(true);
    expect((await claims.acquire(request('pe-3.a', 'd2'))).acquired).toBe(false);
    now += 1_500;
    const both = await Promise.all([
      claims.acquire(request('pe-3.a', 'd3')),
      claims.acquire(request('pe-3.a', 'd4')),
    ]);
    expect(both.filter((r) => r.acquired)).toHaveLength(1);
  });

  it('claims a hundred free connections in one transaction and falls back one by one when some are taken', async () => {
    // A frozen clock: on a loaded machine the short test timings must not expire the claims mid-test.
    const frozen = new Date();
    const claims = store({ now: () => frozen });
    const names = Array.from({ length: 150 }, (_, i) => `pe-b${i}.x`);
    const taken = await claims.acquire(request('pe-b7.x', 'other'));
    expect(taken.acquired).toBe(true);
    const results = await claims.acquireMany(names.map((n, i) => request(n, `m${i}`)));
    expect(results.filter((r) => r.acquired)).toHaveLength(149);
    expect(results[7]).toMatchObject({ acquired: false, reason: 'held' });
    const handles = results.flatMap((r) => (r.acquired ? [r.handle] : []));
    await claims.completeMany(handles);
    const again = await claims.acquireMany(names.map((n, i) => request(n, `z${i}`)));
    expect(again.filter((r) => !r.acquired && r.reason === 'decided')).toHaveLength(149);
  });
});
