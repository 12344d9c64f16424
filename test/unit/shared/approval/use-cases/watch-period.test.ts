import { describe, expect, it } from 'vitest';
import {
  ARM_READ_ALLOWANCE_PER_SECOND,
  GRAPH_ALLOWANCE_PER_SECOND,
  watchPeriodMs,
  watchSourceOf,
} from '../../../../../shared/approval/use-cases/watch-new-connections';

const DEFAULT_SHARES = { read: 0.1, graph: 0.2 };

describe('watchPeriodMs (the pass period derived from its reads)', () => {
  it('uses the lower of ARM refill (25/s) and NRP (10,000 per 5 min) per subscription, and 15 queries per 5 s for Resource Graph', () => {
    expect(ARM_READ_ALLOWANCE_PER_SECOND).toBe(25);
    expect(GRAPH_ALLOWANCE_PER_SECOND).toBe(3);
  });

  it('is reads divided by the allowed rate', () => {
    // 1 page at 10% of 25/s = 2.5 reads/s: 0.4 s.
    expect(watchPeriodMs({ armReadsPerSubscription: 1, graphQueries: 0 }, DEFAULT_SHARES)).toBe(400);
    // 3 queries at 20% of 3/s = 0.6 queries/s: 5 s.
    expect(watchPeriodMs({ armReadsPerSubscription: 0, graphQueries: 3 }, DEFAULT_SHARES)).toBe(5_000);
  });

  it('grows with the reads, and the longer of ARM and Resource Graph wins', () => {
    const periods = [1, 2, 5, 10, 50].map((reads) =>
      watchPeriodMs({ armReadsPerSubscription: reads, graphQueries: 0 }, DEFAULT_SHARES),
    );
    for (let i = 1; i < periods.length; i++) expect(periods[i]).toBeGreaterThan(periods[i - 1] as number);
    expect(periods.at(-1)).toBe(20_000);
    expect(watchPeriodMs({ armReadsPerSubscription: 10, graphQueries: 3 }, DEFAULT_SHARES)).toBe(5_000);
    expect(watchPeriodMs({ armReadsPerSubscription: 20, graphQueries: 3 }, DEFAULT_SHARES)).toBe(8_000);
  });

  it('shrinks as the share grows, and is zero for no reads (the tick is the floor)', () => {
    expect(watchPeriodMs({ armReadsPerSubscription: 5, graphQueries: 0 }, { read: 1, graph: 1 })).toBe(200);
    expect(watchPeriodMs({ armReadsPerSubscription: 0, graphQueries: 0 }, DEFAULT_SHARES)).toBe(0);
  });
});

describe('watchSourceOf (which list the pass uses)', () => {
  const options = { discoveryOn: true, armMaxServices: 500 };
  it('auto: ARM up to the limit or while discovery is off, Resource Graph above', () => {
    expect(watchSourceOf('auto', 500, options)).toBe('arm');
    expect(watchSourceOf('auto', 501, options)).toBe('graph');
    expect(watchSourceOf('auto', 10_000, { ...options, discoveryOn: false })).toBe('arm');
  });
  it('an explicit mode wins', () => {
    expect(watchSourceOf('arm', 10_000, options)).toBe('arm');
    expect(watchSourceOf('graph', 1, { ...options, discoveryOn: false })).toBe('graph');
  });
});
