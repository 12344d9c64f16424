import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  fanOut,
  MAX_START_GAP_MS,
  startGapMs,
  startOffsets,
} from '../../../../../shared/probe/use-cases/fan-out';

describe('startGapMs', () => {
  it('spreads the starts over the whole window, the last one at its end', () => {
    expect(startGapMs(1001, 28_000)).toBe(28);
    expect(startGapMs(11, 5, 2)).toBe(0.5);
  });

  it('never spaces two starts wider than the maximum', () => {
    expect(startGapMs(3, 28_000)).toBe(MAX_START_GAP_MS);
    expect(startGapMs(100, 28_000, 10)).toBe(10);
  });

  it('does not space a single target, an empty window or a zero preference', () => {
    expect(startGapMs(1, 10_000)).toBe(0);
    expect(startGapMs(50, 0)).toBe(0);
    expect(startGapMs(50, -5)).toBe(0);
    expect(startGapMs(50, 10_000, 0)).toBe(0);
  });
});

describe('fanOut', () => {
  it('plans starts in input order, one gap apart', () => {
    expect(startOffsets(4, 2.5)).toEqual([0, 2.5, 5, 7.5]);
  });

  it('starts item i no earlier than i gaps after the call and keeps the input order', async () => {
    const origin = performance.now();
    const startedAt: number[] = [];
    const results = await fanOut([0, 1, 2, 3, 4], { limit: 5, gapMs: 20 }, async (item) => {
      startedAt[item] = performance.now() - origin;
      return item * 10;
    });
    expect(results.map((r) => r.value)).toEqual([0, 10, 20, 30, 40]);
    // A timer never fires early (it may fire late on a busy machine: no upper bound here). Node's
    // timers count whole milliseconds against a clock that performance.now() reads finer, so a
    // start can read up to ~1.5 ms before its slot; 2 ms of slack still catches a missing gap.
    startedAt.forEach((at, i) => {
      expect(at).toBeGreaterThanOrEqual(i * 20 - 2);
    });
  });

  it('never runs more than the limit at once, and reports the wait for a slot as queueing', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await fanOut([1, 2, 3, 4], { limit: 2, gapMs: 0 }, async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await sleep(30);
      inFlight--;
    });
    expect(most).toBe(2);
    // The third and fourth waited for a slot held ~30 ms; the first two did not wait.
    expect(results[0]?.queueMs).toBeLessThan(25);
    expect(results[2]?.queueMs).toBeGreaterThanOrEqual(25);
    expect(results[3]?.queueMs).toBeGreaterThanOrEqual(25);
  });

  it('starts what is left at once when the signal has aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const before = performance.now();
    const results = await fanOut(
      [1, 2, 3],
      { limit: 3, gapMs: 5_000, signal: controller.signal },
      async (n) => n,
    );
    expect(results.map((r) => r.value)).toEqual([1, 2, 3]);
    expect(performance.now() - before).toBeLessThan(4_000);
  });
});
