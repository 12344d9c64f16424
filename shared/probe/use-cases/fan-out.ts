/*
 * How one instance starts many probes in one period. Starting them all at once makes one event
 * loop open every connection in the same instant: each attempt's clock starts at dispatch and then
 * waits behind the others' work, so the recorded phases grow with the number of targets rather
 * than with the network. Spacing the starts (as scrapers stagger their targets) keeps the loop
 * nearly idle when each probe's own events arrive, so what is measured is the path.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { mapWithConcurrency } from '../../async/map-with-concurrency';

/**
 * The widest gap between two starts. A run spreads its starts over its whole window, as scrapers
 * spread targets over the interval, but no wider than this: a handful of targets still finish in
 * well under a second instead of keeping the invocation (and its bill) open for the whole period.
 * At 1,000 targets and a one-minute schedule the gap is ~28 ms (about 36 starts per second: the
 * loop is idle almost always when a probe's own events arrive).
 */
export const MAX_START_GAP_MS = 50;

/**
 * The gap for `count` targets whose starts must all fall within `windowMs` (the run's deadline
 * minus the longest a target may take): the window shared evenly, at most `maxMs`.
 */
export function startGapMs(count: number, windowMs: number, maxMs = MAX_START_GAP_MS): number {
  if (count <= 1 || windowMs <= 0 || maxMs <= 0) return 0;
  return Math.min(maxMs, windowMs / (count - 1));
}

/** Planned start of each item, ms after the run's start, in input order (stable from run to run). */
export function startOffsets(count: number, gapMs: number): number[] {
  return Array.from({ length: count }, (_, index) => index * gapMs);
}

export interface Started<R> {
  readonly value: R;
  /** How late the work began after its planned start: waiting for a free slot or a busy loop. */
  readonly queueMs: number;
}

/**
 * Runs `work` for every item, item i no earlier than i × gapMs after the call, at most `limit` at
 * once; results keep the input order and carry how late each start was.
 */
export async function fanOut<T, R>(
  items: readonly T[],
  options: { readonly limit: number; readonly gapMs: number; readonly signal?: AbortSignal },
  work: (item: T, index: number) => Promise<R>,
): Promise<Array<Started<R>>> {
  const origin = performance.now();
  const offsets = startOffsets(items.length, options.gapMs);
  return mapWithConcurrency(items, options.limit, async (item, index) => {
    const planned = origin + (offsets[index] ?? 0);
    const wait = planned - performance.now();
    // A run past its deadline starts what is left at once: each attempt then ends as DEADLINE.
    if (wait > 0.5 && options.signal?.aborted !== true) {
      await sleep(wait, undefined, { signal: options.signal }).catch(() => undefined);
    }
    const queueMs = Math.max(0, Math.round((performance.now() - planned) * 1000) / 1000);
    return { value: await work(item, index), queueMs };
  });
}
