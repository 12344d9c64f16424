import { createHash } from 'node:crypto';

/**
 * Key helpers shared by every probe table. All times are UTC; every key is a fixed-width string so
 * lexical order (the only order Table Storage knows) equals time order.
 */

// .NET's DateTime.MaxValue.Ticks and the ticks at the Unix epoch: the inverted-ticks convention
// that Azure tooling (WADLogs, Application Insights exports) uses, so keys sort newest first.
const MAX_TICKS = 3_155_378_975_999_999_999n;
const EPOCH_TICKS = 621_355_968_000_000_000n;

/** 19 digits, smaller for later times: a partition lists newest first. */
export function invertedTicks(at: Date): string {
  const ticks = EPOCH_TICKS + BigInt(at.getTime()) * 10_000n;
  return (MAX_TICKS - ticks).toString().padStart(19, '0');
}

/** Inverse of invertedTicks (millisecond precision), for readers that only have the key. */
export function fromInvertedTicks(key: string): Date {
  const ticks = MAX_TICKS - BigInt(key.slice(0, 19));
  return new Date(Number((ticks - EPOCH_TICKS) / 10_000n));
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function monthKey(at: Date): string {
  return `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}`;
}

export function dayKey(at: Date): string {
  return `${monthKey(at)}${pad(at.getUTCDate())}`;
}

export function hourKey(at: Date): string {
  return `${dayKey(at)}${pad(at.getUTCHours())}`;
}

export function secondKey(at: Date): string {
  return `${hourKey(at)}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}`;
}

export function startOfUtcHour(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate(), at.getUTCHours()));
}

export function startOfUtcDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

export function startOfUtcMonth(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

export function addDays(at: Date, days: number): Date {
  return new Date(at.getTime() + days * 86_400_000);
}

/**
 * Characters Table Storage refuses in keys (`/ \ # ?`, control characters) and `%` itself are
 * percent-encoded, so any target id the schema accepts is a valid key and stays readable.
 */
export function keySafe(value: string): string {
  let out = '';
  for (const c of value) {
    const code = c.charCodeAt(0);
    const refused = '/\\#?%'.includes(c) || code < 0x20 || (code >= 0x7f && code <= 0x9f);
    out += refused ? `%${code.toString(16).padStart(2, '0').toUpperCase()}` : c;
  }
  return out;
}

/** Short, stable fingerprint of a run id: makes a key unique per run without making it long. */
export function runHash(runId: string): string {
  return createHash('sha256').update(runId).digest('hex').slice(0, 12);
}

/** Logical table names (the container adds the installation's prefix). */
export const PROBE_TABLES = {
  rawPrefix: 'ProbeResults',
  latest: 'ProbeLatest',
  rollups: 'ProbeRollups',
  events: 'ProbeEvents',
  runs: 'ProbeRuns',
} as const;

export function rawTableLogicalName(at: Date): string {
  return `${PROBE_TABLES.rawPrefix}${monthKey(at)}`;
}

/** Explicit Edm.Double, so a whole number of milliseconds does not turn a column into Int32 for Power BI. */
export function double(value: number): { value: number; type: 'Double' } {
  return { value, type: 'Double' };
}

/** Drops undefined and null properties: Table Storage has no null, an absent property is the null. */
export function compact<T extends Record<string, unknown>>(entity: T): T {
  return Object.fromEntries(Object.entries(entity).filter(([, v]) => v !== undefined && v !== null)) as T;
}

/** A DateTime column as read back (a Date with type conversion on), or an ISO string; else null. */
export function asDate(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === 'string') {
    const parsed = new Date(value);
    return Number.isNaN(parsed.getTime()) ? null : parsed;
  }
  return null;
}

export function asIso(value: unknown): string | null {
  return asDate(value)?.toISOString() ?? null;
}
