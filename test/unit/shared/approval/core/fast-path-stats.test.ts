import { describe, expect, it } from 'vitest';
import { type Arrival, fastPathStats } from '../../../../../shared/approval/core/fast-path-stats';

const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, s));
const arrival = (name: string, foundBy: Arrival['foundBy'], delayMs: number | null, s = 0): Arrival => ({
  plsId: '/subscriptions/x/resourceGroups/r/providers/Microsoft.Network/privateLinkServices/p',
  connectionName: name,
  foundAt: at(s),
  foundBy,
  eventType: foundBy === 'event' ? 'Microsoft.Resources.ResourceWriteSuccess' : undefined,
  eventTopic: foundBy === 'event' ? '/subscriptions/x' : undefined,
  delayMs,
  delayIsUpperBound: foundBy !== 'event',
});

describe('fastPathStats', () => {
  it('counts each connection once (its earliest arrival) and takes medians per path', () => {
    const stats = fastPathStats([
      arrival('a', 'event', 2_000),
      arrival('b', 'event', 4_000),
      arrival('c', 'event', 9_000),
      arrival('d', 'reconciliation', 120_000),
      arrival('e', 'reconciliation', 300_000),
      // A second, later record of `a` (two overlapping runs) does not count again.
      arrival('A', 'reconciliation', 1, 30),
    ]);
    expect(stats.newConnections).toBe(5);
    expect(stats.byEvent).toMatchObject({ count: 3, medianDelayMs: 4_000 });
    expect(stats.byEvent.eventTypes).toEqual(['Microsoft.Resources.ResourceWriteSuccess']);
    expect(stats.byReconciliation).toEqual({ count: 2, medianDelayMs: 210_000 });
    expect(stats.line).toBe(
      'event fast path: 3 of 5 new connections in the last 30 days arrived by event (median delay 4.0 s); the rest by reconciliation (median delay at most 210.0 s)',
    );
  });

  it('says n/a when nothing arrived', () => {
    const stats = fastPathStats([]);
    expect(stats.line).toBe(
      'event fast path: 0 of 0 new connections in the last 30 days arrived by event (median delay n/a); the rest by reconciliation (median delay n/a)',
    );
  });
});
