import { seededRandom } from './prng';
import type { RouteKind } from './route-kinds';

/**
 * What can go wrong with one request. `status` answers with an ARM error body (and Retry-After when
 * given), `delay` holds the request then serves it normally, `drop` destroys the socket without an
 * answer (the client sees a connection reset).
 */
export type Fault =
  | {
      readonly type: 'status';
      readonly status: number;
      readonly retryAfterSeconds?: number;
      /** ARM error code in the body; defaults by status (TooManyRequests, InternalServerError, ServiceUnavailable). */
      readonly code?: string;
    }
  | { readonly type: 'delay'; readonly ms: number }
  | { readonly type: 'drop' };

export interface FaultMatch {
  /** Route kinds the fault applies to; every kind when omitted. */
  readonly kind?: RouteKind | readonly RouteKind[];
  /** HTTP method (upper case); every method when omitted. */
  readonly method?: string;
}

interface ScriptRule {
  readonly match: FaultMatch;
  readonly queue: Fault[];
}

interface RateRule {
  readonly match: FaultMatch;
  readonly probability: number;
  readonly faults: readonly Fault[];
}

/** Fault injection: scripts (the next N matching calls, in order) win over rates (a seeded probability). */
export class FaultInjector {
  private scripts: ScriptRule[] = [];
  private rates: RateRule[] = [];
  private random: () => number;
  private injectedCount = 0;

  constructor(seed = 1) {
    this.random = seededRandom(seed);
  }

  /** The next `faults.length` requests matching `match` get these faults, one each, in order. */
  script(match: FaultMatch, faults: readonly Fault[]): this {
    this.scripts.push({ match, queue: [...faults] });
    return this;
  }

  /** Each matching request gets one of `faults` (picked uniformly) with this probability. */
  rate(match: FaultMatch, probability: number, faults: readonly Fault[]): this {
    if (!(probability >= 0 && probability <= 1)) throw new RangeError('probability must be within [0, 1]');
    if (faults.length === 0) throw new RangeError('at least one fault is needed');
    this.rates.push({ match, probability, faults: [...faults] });
    return this;
  }

  /** Restarts the PRNG, so a run can be replayed. */
  reseed(seed: number): this {
    this.random = seededRandom(seed);
    return this;
  }

  clear(): this {
    this.scripts = [];
    this.rates = [];
    return this;
  }

  /** How many faults were injected since start. */
  get injected(): number {
    return this.injectedCount;
  }

  /** Scripted faults not consumed yet. */
  get pending(): number {
    return this.scripts.reduce((sum, rule) => sum + rule.queue.length, 0);
  }

  /** The fault for this request, if any; consumes a scripted one. */
  next(kind: RouteKind, method: string): Fault | undefined {
    for (const rule of this.scripts) {
      if (rule.queue.length > 0 && matches(rule.match, kind, method)) {
        this.scripts = this.scripts.filter((r) => r.queue.length > 0);
        this.injectedCount += 1;
        return rule.queue.shift();
      }
    }
    for (const rule of this.rates) {
      if (!matches(rule.match, kind, method)) continue;
      if (this.random() < rule.probability) {
        const index = Math.min(rule.faults.length - 1, Math.floor(this.random() * rule.faults.length));
        this.injectedCount += 1;
        return rule.faults[index];
      }
    }
    return undefined;
  }
}

function matches(match: FaultMatch, kind: RouteKind, method: string): boolean {
  if (match.method !== undefined && match.method.toUpperCase() !== method) return false;
  if (match.kind === undefined) return true;
  return typeof match.kind === 'string' ? match.kind === kind : match.kind.includes(kind);
}
