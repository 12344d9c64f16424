import { setTimeout as sleep } from 'node:timers/promises';
import { mapWithConcurrency } from '../async/map-with-concurrency';

/**
 * How one instance starts many probes in one period. Starting them all at once makes one event
 * loop open every connection in the same instant: each attempt's clock starts at dispatch and then
 * waits behind the others' work, so the recorded phases grow with the number of targets rather
 * than with the network. Spacing the starts (as scrapers stagger their targets) keeps the loop
 * nearly idle when each probe's own events arrive, so what is measured is the path.
 */

/**
 * Gap between two starts. One probe costs a few hundred microseconds of CPU (fresh connection,
 * parser, hashing); at one start per 2 ms the loop is busy well under a fifth of the time, so a
 * probe rarely waits for another. 1,000 targets start within 2 s.
 */
export const START_GAP_MS = 2;

/**
 * The gap to use for `count` targets when every start must happen by `windowMs` (the run's
 * deadline minus the longest a target may take): `preferredMs`, or less when the window is short.
 */
export function startGapMs(count: number, windowMs: number, preferredMs = START_GAP_MS): number {
  if (count <= 1 || windowMs <= 0 || preferredMs <= 0) return 0;
  return Math.min(preferredMs, windowMs / (count - 1));
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
