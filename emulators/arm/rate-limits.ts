/*
 * ARM's request throttling, as documented in "Understand how Azure Resource Manager throttles requests"
 * (learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling) and the
 * 2024 "Modernizing Azure Resource Manager Throttling" update: a token bucket per subscription and
 * principal for each operation type; each request takes a token; the bucket refills a fixed number of
 * tokens every second up to its size (reads 250 then 25/s, writes 200 then 10/s, deletes 200 then 10/s).
 * Every answer carries `x-ms-ratelimit-remaining-subscription-{reads|writes|deletes}`; an empty bucket
 * answers 429 with Retry-After. Pure: the clock is injected.
 */
export type RateClass = 'reads' | 'writes' | 'deletes';

export interface BucketLimit {
  /** Tokens the bucket holds when full (the burst). */
  readonly burst: number;
  /** Tokens added every second. */
  readonly refillPerSecond: number;
}

export interface RateLimitOptions {
  /** When false (the default) nothing is refused and the headers report a full bucket. */
  readonly enforce?: boolean;
  readonly reads?: BucketLimit;
  readonly writes?: BucketLimit;
  readonly deletes?: BucketLimit;
}

export const ARM_SUBSCRIPTION_LIMITS: Readonly<Record<RateClass, BucketLimit>> = {
  reads: { burst: 250, refillPerSecond: 25 },
  writes: { burst: 200, refillPerSecond: 10 },
  deletes: { burst: 200, refillPerSecond: 10 },
};

export interface TakeResult {
  readonly allowed: boolean;
  /** Tokens left after this request (what the remaining header says). */
  readonly remaining: number;
  /** When refused: whole seconds until the next refill. */
  readonly retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  /** Time of the last whole-second refill. */
  refilledAt: number;
}

export function rateClassOf(method: string): RateClass {
  const upper = method.toUpperCase();
  if (upper === 'DELETE') return 'deletes';
  if (upper === 'GET' || upper === 'HEAD') return 'reads';
  return 'writes';
}

export class TokenBuckets {
  readonly enforce: boolean;
  private readonly limits: Readonly<Record<RateClass, BucketLimit>>;
  private readonly buckets = new Map<string, Bucket>();
  private throttledCount = 0;

  constructor(
    options: RateLimitOptions = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.enforce = options.enforce ?? false;
    this.limits = {
      reads: options.reads ?? ARM_SUBSCRIPTION_LIMITS.reads,
      writes: options.writes ?? ARM_SUBSCRIPTION_LIMITS.writes,
      deletes: options.deletes ?? ARM_SUBSCRIPTION_LIMITS.deletes,
    };
  }

  limit(rateClass: RateClass): BucketLimit {
    return this.limits[rateClass];
  }

  /** Requests refused since start. */
  get throttled(): number {
    return this.throttledCount;
  }

  /** Takes one token of `rateClass` from the bucket of `subscriptionId` and `principal`. */
  take(subscriptionId: string, principal: string, rateClass: RateClass): TakeResult {
    const limit = this.limits[rateClass];
    if (!this.enforce) return { allowed: true, remaining: limit.burst - 1, retryAfterSeconds: 0 };
    const bucket = this.refilled(`${subscriptionId.toLowerCase()}|${principal}|${rateClass}`, limit);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
    }
    this.throttledCount += 1;
    const untilRefillMs = 1000 - (this.now() - bucket.refilledAt);
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(untilRefillMs / 1000)) };
  }

  private refilled(key: string, limit: BucketLimit): Bucket {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: limit.burst, refilledAt: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    const seconds = Math.floor((now - bucket.refilledAt) / 1000);
    if (seconds > 0) {
      bucket.tokens = Math.min(limit.burst, bucket.tokens + seconds * limit.refillPerSecond);
      bucket.refilledAt += seconds * 1000;
    }
    return bucket;
  }
}

/*
 * Microsoft.Network's own limits, applied after ARM's buckets when the request reaches the resource
 * provider: "Network throttling" in the same request-limits-and-throttling article (its revisions up
 * to 2024 carry the table; github.com/MicrosoftDocs/azure-docs, articles/azure-resource-manager/
 * management/request-limits-and-throttling.md): write/delete (PUT) 1000 per 5 minutes, read (GET)
 * 10000 per 5 minutes. The article also says resource provider limits apply per region of the
 * resource and per principal; the emulator keeps one window per subscription and principal (its
 * resources sit in the regions the seed gives, and the product writes one region at a time). The
 * doc names no remaining-requests header for these, so none is sent; a refusal is 429 with
 * Retry-After (the seconds left in the window), as ARM's throttling answers are.
 */
export type NrpClass = 'reads' | 'writes';

export interface NrpLimitOptions {
  /** When false (the default) nothing is counted or refused. */
  readonly enforce?: boolean;
  /** Requests per window: PUT and DELETE together, and GET. */
  readonly writes?: number;
  readonly reads?: number;
  readonly windowMs?: number;
}

export const NRP_LIMITS = { writes: 1000, reads: 10_000, windowMs: 5 * 60_000 } as const;

export function nrpClassOf(method: string): NrpClass {
  const upper = method.toUpperCase();
  return upper === 'GET' || upper === 'HEAD' ? 'reads' : 'writes';
}

interface Window {
  startedAt: number;
  count: number;
}

/** Fixed windows (started by the first request after the last one ended), one per key and class. */
export class NrpWindows {
  readonly enforce: boolean;
  readonly limits: { readonly writes: number; readonly reads: number; readonly windowMs: number };
  private readonly windows = new Map<string, Window>();
  private throttledCount = 0;

  constructor(
    options: NrpLimitOptions = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.enforce = options.enforce ?? false;
    this.limits = {
      writes: options.writes ?? NRP_LIMITS.writes,
      reads: options.reads ?? NRP_LIMITS.reads,
      windowMs: options.windowMs ?? NRP_LIMITS.windowMs,
    };
  }

  /** Requests refused since start. */
  get throttled(): number {
    return this.throttledCount;
  }

  /** Counts one request of `nrpClass`; refused once the window's limit is spent. */
  take(subscriptionId: string, principal: string, nrpClass: NrpClass): TakeResult {
    const limit = this.limits[nrpClass];
    if (!this.enforce) return { allowed: true, remaining: limit - 1, retryAfterSeconds: 0 };
    const key = `${subscriptionId.toLowerCase()}|${principal}|${nrpClass}`;
    const now = this.now();
    let window = this.windows.get(key);
    if (window === undefined || now - window.startedAt >= this.limits.windowMs) {
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count < limit) {
      window.count += 1;
      return { allowed: true, remaining: limit - window.count, retryAfterSeconds: 0 };
    }
    this.throttledCount += 1;
    const leftMs = this.limits.windowMs - (now - window.startedAt);
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(leftMs / 1000)) };
  }
}
