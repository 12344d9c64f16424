/*
 * The one key convention of every table the product writes. Table Storage orders rows only
 * lexically, so every time in a key is a fixed-width string: UTC day/month/hour partitions, and
 * inverted .NET ticks (19 digits, the convention Azure's own diagnostics tables use) wherever a
 * partition must list newest first. Keys may not hold `/ \ # ?` or control characters.
 */
import { createHash } from 'node:crypto';

// DateTime.MaxValue.Ticks and the ticks at the Unix epoch.
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

const LEGACY_MAX_MS = 9_999_999_999_999;

/**
 * The approval tables' keys before 0.2: 13-digit inverted milliseconds. Read-only, so rows written
 * then stay listable. They start with `8` or `9` while tick keys start with `2` until the year
 * 9999, so in any partition every tick row (written later) sorts before every legacy row and
 * "newest first" holds across the change.
 */
export function legacyInvertedMillis(at: Date): string {
  return String(LEGACY_MAX_MS - at.getTime()).padStart(13, '0');
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function monthKey(at: Date): string {
  return `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}`;
}

/** The UTC day partition of the by-time tables: `20260304`. */
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

/**
 * A PLS id as a key: ARM ids are case-insensitive, so the lower-cased path with `/` turned into
 * `|` (readable in Storage Explorer, reversible, unique).
 */
export function plsKey(plsId: string): string {
  return plsId.toLowerCase().replace(/^\/+/, '').replaceAll('/', '|');
}

/** Connection names are one ARM path segment (`{endpoint}.{guid}`); lower-cased like every ARM name. */
export function connectionKey(connectionName: string): string {
  // `|` separates RowKey parts, so it is replaced along with the characters keys refuse.
  let key = '';
  for (const ch of connectionName.toLowerCase()) {
    const code = ch.charCodeAt(0);
    key += code < 0x20 || code === 0x7f || '/\\#?|'.includes(ch) ? '_' : ch;
  }
  return key;
}

/** Bounds of "every row key starting with `prefix|`": `|` is 0x7C, so `}` (0x7D) follows it. */
export function prefixRange(prefix: string): { readonly from: string; readonly to: string } {
  return { from: `${prefix}|`, to: `${prefix}}` };
}

/** Short, stable fingerprint of a run id: makes a key unique per run without making it long. */
export function runHash(runId: string): string {
  return createHash('sha256').update(runId).digest('hex').slice(0, 12);
}
