/*
 * A compact latency histogram with fixed log-scale buckets. Percentiles cannot be merged from
 * percentiles, but histograms add up exactly: an hour, a day or a 30-day range is the bucket-wise
 * sum, so every rollup level (and any range a dashboard asks for) gets p50/p95 from the same data.
 *
 * Buckets: index 0 holds values below 0.5 ms; bucket i ≥ 1 holds [0.5·r^(i-1), 0.5·r^i) with
 * r = 2^(1/8) (≈ 9 % wide), up to 60 s; the last bucket holds everything above. A percentile is
 * reported as its bucket's geometric midpoint (clamped to the exact maximum), so it is within
 * ±4.4 % of the exact value: far below the noise of network latency.
 */
export const HISTOGRAM_MIN_MS = 0.5;
export const HISTOGRAM_MAX_MS = 60_000;
export const BUCKETS_PER_DOUBLING = 8;
const RATIO = 2 ** (1 / BUCKETS_PER_DOUBLING);
/** Last regular bucket index: the one whose upper bound first reaches 60 s. */
const LAST_REGULAR = Math.ceil(BUCKETS_PER_DOUBLING * Math.log2(HISTOGRAM_MAX_MS / HISTOGRAM_MIN_MS));
export const OVERFLOW_BUCKET = LAST_REGULAR + 1;

/** Sparse bucket counts: index → count. */
export type Histogram = Map<number, number>;

export function bucketOf(ms: number): number {
  if (!(ms >= HISTOGRAM_MIN_MS)) return 0; // also NaN and negatives: never lose a sample
  const index = Math.floor(BUCKETS_PER_DOUBLING * Math.log2(ms / HISTOGRAM_MIN_MS)) + 1;
  return Math.min(index, OVERFLOW_BUCKET);
}

/** [lower, upper) of a bucket in ms. */
export function bucketBounds(index: number): { readonly lower: number; readonly upper: number } {
  if (index <= 0) return { lower: 0, upper: HISTOGRAM_MIN_MS };
  if (index >= OVERFLOW_BUCKET)
    return { lower: HISTOGRAM_MIN_MS * RATIO ** LAST_REGULAR, upper: Number.POSITIVE_INFINITY };
  return { lower: HISTOGRAM_MIN_MS * RATIO ** (index - 1), upper: HISTOGRAM_MIN_MS * RATIO ** index };
}

/** The value reported for a bucket: its geometric midpoint (half the lower bound for bucket 0). */
export function bucketValue(index: number): number {
  if (index <= 0) return HISTOGRAM_MIN_MS / 2;
  if (index >= OVERFLOW_BUCKET) return bucketBounds(OVERFLOW_BUCKET).lower;
  return HISTOGRAM_MIN_MS * RATIO ** (index - 0.5);
}

export function emptyHistogram(): Histogram {
  return new Map();
}

export function addSample(histogram: Histogram, ms: number): void {
  const index = bucketOf(ms);
  histogram.set(index, (histogram.get(index) ?? 0) + 1);
}

export function mergeInto(target: Histogram, source: Histogram): void {
  for (const [index, count] of source) target.set(index, (target.get(index) ?? 0) + count);
}

export function sampleCount(histogram: Histogram): number {
  let n = 0;
  for (const count of histogram.values()) n += count;
  return n;
}

/**
 * Nearest-rank percentile (the value at rank ⌈p·n⌉), reported as its bucket's value and never
 * above the exact maximum when one is known. Null when there are no samples.
 */
export function percentile(histogram: Histogram, p: number, exactMax?: number): number | null {
  const n = sampleCount(histogram);
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil(p * n));
  let seen = 0;
  for (const index of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(index) ?? 0;
    if (seen >= rank) {
      const value = bucketValue(index);
      return exactMax === undefined ? value : Math.min(value, exactMax);
    }
  }
  return null;
}

/** Exact nearest-rank percentile of raw values: what a recomputation from raw rows gives. */
export function exactPercentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1] ?? null;
}

/** "index:count,index:count" in index order: a few hundred characters at most, readable in Storage Explorer. */
export function encodeHistogram(histogram: Histogram): string {
  return [...histogram.entries()]
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => a - b)
    .map(([index, count]) => `${index}:${count}`)
    .join(',');
}

/** Lenient on purpose: a malformed pair is skipped rather than failing a dashboard. */
export function decodeHistogram(text: unknown): Histogram {
  const histogram = emptyHistogram();
  if (typeof text !== 'string' || text === '') return histogram;
  for (const pair of text.split(',')) {
    const [i, c] = pair.split(':');
    const index = Number(i);
    const count = Number(c);
    if (
      Number.isInteger(index) &&
      index >= 0 &&
      index <= OVERFLOW_BUCKET &&
      Number.isInteger(count) &&
      count > 0
    )
      histogram.set(index, (histogram.get(index) ?? 0) + count);
  }
  return histogram;
}
