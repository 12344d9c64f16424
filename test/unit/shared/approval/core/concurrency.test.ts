import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../../../../shared/approval/core/concurrency';
import { mapWithConcurrency } from '../../../../../shared/async/map-with-concurrency';

describe('mapWithConcurrency', () => {
  it('keeps order and never exceeds the limit', async () => {
    let active = 0;
    let peak = 0;
    const out = await mapWithConcurrency([5, 1, 4, 2, 3, 0], 2, async (n) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, n));
      active--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });
});

describe('Coalescer', () => {
  it('turns a burst of requests for one key into one running and one queued run', async () => {
    const coalescer = new Coalescer<number>();
    let runs = 0;
    const work = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 20));
      return runs;
    };
    const results = await Promise.all(Array.from({ length: 50 }, () => coalescer.run('pls', work)));
    expect(runs).toBe(2);
    expect(results[0]).toBe(1);
    expect(results[49]).toBe(2);
    // Other keys are independent, and a later request starts a fresh run.
    await Promise.all([coalescer.run('other', work), coalescer.run('pls', work)]);
    expect(runs).toBe(4);
  });

  it('runs the queued request even when the running one failed', async () => {
    const coalescer = new Coalescer<string>();
    const first = coalescer.run('k', async () => {
      await new Promise((r) => setTimeout(r, 5));
      throw new Error('boom');
    });
    const second = coalescer.run('k', async () => 'ok');
    await expect(first).rejects.toThrow('boom');
    await expect(second).resolves.toBe('ok');
  });
});
