/*
 * Pacing on ARM's remaining-requests headers, so a large backlog never runs into a storm of 429s.
 *
 * ARM throttles with a token bucket per subscription and principal for each operation type (reads 250
 * then 25/s, writes 200 then 10/s, deletes 200 then 10/s: "Understand how Azure Resource Manager
 * throttles requests", learn.microsoft.com), and tells every answer how many tokens are left in
 * `x-ms-ratelimit-remaining-subscription-{reads|writes|deletes}`. While what is left stays above a
 * reserve, requests go at once; below it they are spaced at the bucket's refill rate, which is as
 * fast as ARM can take them without refusing any. A 429 without a count counts as "nothing left".
 *
 * Pure (no I/O, no SDK types): the pipeline policy in arm-pacing-policy.ts feeds it.
 */
export type ArmRateClass = 'reads' | 'writes' | 'deletes';

export interface ArmPacingOptions {
  /**
   * Pace once this few tokens are left; above it requests are not held. ARM refills once a second, so
   * at least one second's refill: pacing at the refill rate then never meets an empty bucket. When
   * undefined, one second's refill of the class plus a margin of 5.
   */
  readonly reserve: number | undefined;
  /** Refill rate (tokens per second) of each bucket; ARM's documented defaults unless told otherwise. */
  readonly refillPerSecond: Readonly<Record<ArmRateClass, number>>;
}

/** Pacing as configured: any field left out takes its default. */
export interface ArmPacingSettings {
  readonly reserve?: number;
  readonly refillPerSecond?: Partial<Record<ArmRateClass, number>>;
}

export function pacingOptions(settings: ArmPacingSettings = {}): ArmPacingOptions {
  return {
    reserve: settings.reserve ?? DEFAULT_PACING_OPTIONS.reserve,
    refillPerSecond: { ...DEFAULT_PACING_OPTIONS.refillPerSecond, ...settings.refillPerSecond },
  };
}

export const DEFAULT_PACING_OPTIONS: ArmPacingOptions = {
  reserve: undefined,
  refillPerSecond: { reads: 25, writes: 10, deletes: 10 },
};

export const REMAINING_HEADERS: Readonly<Record<ArmRateClass, string>> = {
  reads: 'x-ms-ratelimit-remaining-subscription-reads',
  writes: 'x-ms-ratelimit-remaining-subscription-writes',
  deletes: 'x-ms-ratelimit-remaining-subscription-deletes',
};

export function armRateClassOf(method: string): ArmRateClass {
  const upper = method.toUpperCase();
  if (upper === 'DELETE') return 'deletes';
  if (upper === 'GET' || upper === 'HEAD') return 'reads';
  return 'writes';
}

interface ClassState {
  /** Tokens believed left: the last header, less what was sent since. Undefined until ARM said. */
  estimate: number | undefined;
  inFlight: number;
  /** Earliest time the next paced request may go. */
  nextSlot: number;
  /** While nothing is known: one request is out to learn the count, the others wait for its answer. */
  probing: boolean;
  waiters: (() => void)[];
}

/** What a send must do first: wait this many ms (0: go), or wait for the answer that says how much is left. */
export type Reservation = { readonly waitMs: number } | { readonly untilAnswered: Promise<void> };

/** One subscription's (one client's) view of its buckets. */
export class ArmPacer {
  private readonly state: Record<ArmRateClass, ClassState> = {
    reads: emptyState(),
    writes: emptyState(),
    deletes: emptyState(),
  };

  constructor(private readonly options: ArmPacingOptions = DEFAULT_PACING_OPTIONS) {}

  /**
   * Reserves a send of `rateClass` at `now`. A `waitMs` reservation is taken and must be followed by
   * one `settle`; an `untilAnswered` one is not: reserve again once it resolves.
   */
  reserve(rateClass: ArmRateClass, now: number): Reservation {
    const s = this.state[rateClass];
    const estimate = s.estimate;
    if (estimate === undefined) {
      // A bucket drained by an earlier run or another instance must not meet a whole backlog at once.
      if (s.probing) return { untilAnswered: new Promise<void>((resolve) => s.waiters.push(resolve)) };
      s.probing = true;
      s.inFlight += 1;
      return { waitMs: 0 };
    }
    s.inFlight += 1;
    s.estimate = estimate - 1;
    const refill = this.options.refillPerSecond[rateClass];
    if (estimate > (this.options.reserve ?? Math.ceil(refill) + RESERVE_MARGIN)) return { waitMs: 0 };
    const interval = 1000 / refill;
    const slot = Math.max(now, s.nextSlot);
    s.nextSlot = slot + interval;
    return { waitMs: slot - now };
  }

  /** Records ARM's answer: the remaining count it sent (undefined when none), or that it throttled. */
  settle(rateClass: ArmRateClass, remaining: number | undefined, throttled: boolean): void {
    const s = this.state[rateClass];
    s.inFlight = Math.max(0, s.inFlight - 1);
    // Requests still in flight will each take a token the header did not count yet. A 429 with a
    // count is not about the bucket (a locked resource answers 429 too); without one, assume empty.
    if (remaining !== undefined) s.estimate = Math.max(0, remaining - s.inFlight);
    else if (throttled) s.estimate = 0;
    if (s.probing) {
      s.probing = false;
      const waiters = s.waiters.splice(0);
      for (const wake of waiters) wake();
    }
  }

  /** For tests and logs: tokens believed left per class. */
  estimates(): Readonly<Record<ArmRateClass, number | undefined>> {
    return {
      reads: this.state.reads.estimate,
      writes: this.state.writes.estimate,
      deletes: this.state.deletes.estimate,
    };
  }
}

const RESERVE_MARGIN = 5;

function emptyState(): ClassState {
  return { estimate: undefined, inFlight: 0, nextSlot: 0, probing: false, waiters: [] };
}

/** A header value as a token count; undefined when absent or not a number. */
export function remainingFrom(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}
