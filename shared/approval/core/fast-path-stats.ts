/*
 * The event fast path, measured: of the connections that appeared in the last 30 days, how many a
 * run started by an event found first, and how long after the change each path saw them. No public
 * source says whether a consumer's connection raises an event in the provider's subscription, so
 * the first real deployment answers it here.
 *
 * Delays: for the event path, from the event's own `eventTime` (the change) to our receiving it; for
 * reconciliation, the time since the previous list of that PLS, an upper bound (the connection
 * appeared at some moment in between; ARM publishes no creation time for a connection).
 */
export const FAST_PATH_WINDOW_DAYS = 30;

export interface Arrival {
  readonly plsId: string;
  readonly connectionName: string;
  readonly foundAt: Date;
  readonly foundBy: 'event' | 'reconciliation';
  readonly eventType: string | undefined;
  readonly eventTopic: string | undefined;
  /** Milliseconds from the change to the path seeing it; null when nothing bounds it. */
  readonly delayMs: number | null;
  /** True when `delayMs` is an upper bound rather than a measurement. */
  readonly delayIsUpperBound: boolean;
}

export interface FastPathStats {
  readonly windowDays: number;
  readonly newConnections: number;
  readonly byEvent: {
    readonly count: number;
    readonly medianDelayMs: number | null;
    readonly eventTypes: readonly string[];
    readonly topics: readonly string[];
  };
  readonly byReconciliation: { readonly count: number; readonly medianDelayMs: number | null };
  readonly line: string;
}

/** One arrival per connection (the earliest; two overlapping runs may both have recorded it). */
export function fastPathStats(arrivals: readonly Arrival[]): FastPathStats {
  const first = new Map<string, Arrival>();
  for (const a of arrivals) {
    const key = `${a.plsId.toLowerCase()}|${a.connectionName.toLowerCase()}`;
    const known = first.get(key);
    if (
      known === undefined ||
      a.foundAt < known.foundAt ||
      (a.foundAt.getTime() === known.foundAt.getTime() && a.foundBy === 'event')
    )
      first.set(key, a);
  }
  const all = [...first.values()];
  const byEvent = all.filter((a) => a.foundBy === 'event');
  const byReconciliation = all.filter((a) => a.foundBy === 'reconciliation');
  const eventMedian = median(byEvent.map((a) => a.delayMs));
  const reconcileMedian = median(byReconciliation.map((a) => a.delayMs));
  const line =
    `event fast path: ${byEvent.length} of ${all.length} new connections in the last ${FAST_PATH_WINDOW_DAYS} days arrived by event` +
    ` (median delay ${seconds(eventMedian)}); the rest by reconciliation (median delay ${eventMedian === null && reconcileMedian === null ? 'n/a' : `at most ${seconds(reconcileMedian)}`})`;
  return {
    windowDays: FAST_PATH_WINDOW_DAYS,
    newConnections: all.length,
    byEvent: {
      count: byEvent.length,
      medianDelayMs: eventMedian,
      eventTypes: distinct(byEvent.map((a) => a.eventType)),
      topics: distinct(byEvent.map((a) => a.eventTopic)),
    },
    byReconciliation: { count: byReconciliation.length, medianDelayMs: reconcileMedian },
    line,
  };
}

function median(values: readonly (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (known.length === 0) return null;
  const mid = Math.floor(known.length / 2);
  const value = known.length % 2 === 1 ? known[mid] : ((known[mid - 1] ?? 0) + (known[mid] ?? 0)) / 2;
  return value === undefined ? null : Math.round(value);
}

function seconds(ms: number | null): string {
  return ms === null ? 'n/a' : `${(ms / 1000).toFixed(1)} s`;
}

function distinct(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))].sort();
}
