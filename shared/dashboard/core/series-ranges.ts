/*
 * The ranges a latency chart may show, and where each one reads from. Raw rows are read only for
 * ranges of a few hours (one partition per target and day, a few hundred rows); longer ranges read
 * rollups, so a 30-day chart costs 31 entities instead of 43,200 raw rows.
 *
 * | range | source        | bucket | points | entities read (1-minute probe) |
 * |-------|---------------|--------|--------|--------------------------------|
 * | 1h    | raw rows      | 1 min  | 60     | ~60                            |
 * | 6h    | raw rows      | 5 min  | 72     | ~360                           |
 * | 24h   | hourly rollup | 1 h    | 24     | 24                             |
 * | 7d    | hourly rollup | 1 h    | 168    | 168                            |
 * | 30d   | daily rollup  | 1 d    | 30     | 30                             |
 *
 * Every range ends at the end of the bucket that holds "now", so the newest, partial bucket is
 * shown (rollups are maintained as results arrive) and buckets line up with the stored ones.
 */
export const SERIES_RANGES = ['1h', '6h', '24h', '7d', '30d'] as const;
export type SeriesRange = (typeof SERIES_RANGES)[number];

export type SeriesSource = 'raw' | 'hour' | 'day';

export interface RangePlan {
  readonly range: SeriesRange;
  readonly source: SeriesSource;
  readonly bucketMs: number;
  readonly from: Date;
  /** Exclusive. */
  readonly to: Date;
  readonly buckets: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const PLANS: Record<
  SeriesRange,
  { readonly source: SeriesSource; readonly bucketMs: number; readonly buckets: number }
> = {
  '1h': { source: 'raw', bucketMs: MINUTE, buckets: 60 },
  '6h': { source: 'raw', bucketMs: 5 * MINUTE, buckets: 72 },
  '24h': { source: 'hour', bucketMs: HOUR, buckets: 24 },
  '7d': { source: 'hour', bucketMs: HOUR, buckets: 168 },
  '30d': { source: 'day', bucketMs: DAY, buckets: 30 },
};

/** The UTC-aligned window of a range ending with the bucket that holds `now`. */
export function planRange(range: SeriesRange, now: Date): RangePlan {
  const { source, bucketMs, buckets } = PLANS[range];
  // Whole minutes, hours and days are multiples of their length since the epoch in UTC.
  const to = new Date(Math.floor(now.getTime() / bucketMs) * bucketMs + bucketMs);
  const from = new Date(to.getTime() - buckets * bucketMs);
  return { range, source, bucketMs, from, to, buckets };
}
