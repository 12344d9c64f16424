import type { RouteKind } from './route-kinds';

export interface LoggedRequest {
  readonly seq: number;
  readonly method: string;
  /** Path and query as received. */
  readonly path: string;
  readonly kind: RouteKind;
  /** HTTP status answered; 0 when the connection was dropped. */
  readonly status: number;
  readonly durationMs: number;
  /** Whether a bearer token the emulator accepts was present. */
  readonly authenticated: boolean;
  /** The injected fault, if any: `status:429`, `delay:200`, `drop`. */
  readonly fault: string | undefined;
  readonly correlationId: string;
  /** When the request arrived (ms since the epoch). */
  readonly at: number;
}

const MAX_ENTRIES = 50_000;

/**
 * Every request the emulator answered, for tests to assert on. Counts are kept separately from the
 * entries, so a long `npm run local` session keeps exact counts while only the latest entries stay.
 */
export class RequestLog {
  private items: LoggedRequest[] = [];
  private byKind = new Map<string, number>();
  private seq = 0;

  add(entry: Omit<LoggedRequest, 'seq'>): void {
    this.seq += 1;
    this.items.push({ ...entry, seq: this.seq });
    if (this.items.length > MAX_ENTRIES) this.items.splice(0, this.items.length - MAX_ENTRIES);
    const key = `${entry.kind}`;
    this.byKind.set(key, (this.byKind.get(key) ?? 0) + 1);
  }

  get entries(): readonly LoggedRequest[] {
    return this.items;
  }

  /** Requests answered per route kind (including faulted ones). */
  counts(): Partial<Record<RouteKind, number>> {
    return Object.fromEntries(this.byKind) as Partial<Record<RouteKind, number>>;
  }

  count(kind: RouteKind, filter: (entry: LoggedRequest) => boolean = () => true): number {
    return this.items.filter((e) => e.kind === kind && filter(e)).length;
  }

  clear(): void {
    this.items = [];
    this.byKind = new Map();
  }
}
