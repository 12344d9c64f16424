/*
 * Resource Graph's per-user query quota, as "Guidance for throttled requests in Azure Resource Graph"
 * (learn.microsoft.com/azure/governance/resource-graph/concepts/guidance-for-throttled-requests)
 * describes it: each user has a number of queries per time window (its example: 15 queries every
 * 5 seconds); every answer carries `x-ms-user-quota-remaining` (queries left in the window) and
 * `x-ms-user-quota-resets-after` (hh:mm:ss until the window starts over, when the count is full
 * again). A query past the quota is throttled (429). Each page (`$skipToken` request) is a query of
 * its own ("The effect of pagination" in the same article). Pure: the clock is injected.
 */
export interface GraphQuotaOptions {
  /** Queries per window and principal; 15 by default (the article's example). */
  readonly queries?: number;
  /** Window length; 5 s by default. */
  readonly windowMs?: number;
  /** When false, nothing is refused (headers still report the count). True by default. */
  readonly enforce?: boolean;
  readonly now?: () => number;
}

export interface GraphQuotaTake {
  readonly allowed: boolean;
  readonly remaining: number;
  /** Milliseconds until the window resets. */
  readonly resetsAfterMs: number;
}

export class GraphQuota {
  readonly queries: number;
  readonly windowMs: number;
  private enforce: boolean;
  private readonly now: () => number;
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(options: GraphQuotaOptions = {}) {
    this.queries = options.queries ?? 15;
    this.windowMs = options.windowMs ?? 5_000;
    this.enforce = options.enforce ?? true;
    this.now = options.now ?? Date.now;
  }

  /** Counts one query of `principal`. */
  take(principal: string): GraphQuotaTake {
    const now = this.now();
    let window = this.windows.get(principal);
    if (window === undefined || now - window.start >= this.windowMs) {
      window = { start: now, used: 0 };
      this.windows.set(principal, window);
    }
    const resetsAfterMs = window.start + this.windowMs - now;
    if (this.enforce && window.used >= this.queries) return { allowed: false, remaining: 0, resetsAfterMs };
    window.used += 1;
    return { allowed: true, remaining: Math.max(0, this.queries - window.used), resetsAfterMs };
  }

  /** Spends the rest of every principal's current window (tests: "the quota is used up"). */
  exhaust(principal: string): void {
    this.windows.set(principal, { start: this.now(), used: this.queries });
  }

  reset(): void {
    this.windows.clear();
  }
}

/** `hh:mm:ss`, rounded up to whole seconds, as the quota header carries it. */
export function formatResetsAfter(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}
