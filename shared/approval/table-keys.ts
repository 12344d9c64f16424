/**
 * Table Storage keys for the approval tables. Keys may not contain `/`, `\`, `#`, `?` or control
 * characters, and ARM ids are case-insensitive, so a PLS id becomes its lower-cased path with `/`
 * turned into `|` (readable in Storage Explorer, reversible, unique).
 */
export function plsKey(plsId: string): string {
  return plsId.toLowerCase().replace(/^\/+/, '').replaceAll('/', '|');
}

/** Connection names are one ARM path segment (`{endpoint}.{guid}`); lower-cased like every ARM name. */
export function connectionKey(connectionName: string): string {
  // `|` separates RowKey parts; `/`, `\`, `#`, `?` and control characters are not allowed in keys.
  let key = '';
  for (const ch of connectionName.toLowerCase()) {
    const code = ch.charCodeAt(0);
    key += code < 0x20 || code === 0x7f || '/\\#?|'.includes(ch) ? '_' : ch;
  }
  return key;
}

const MAX_MS = 9_999_999_999_999;

/** Newest first in a key range: later times give smaller, fixed-width keys. */
export function invertedTime(date: Date): string {
  return String(MAX_MS - date.getTime()).padStart(13, '0');
}

export function timeFromInverted(key: string): Date {
  return new Date(MAX_MS - Number(key));
}

/** The UTC day partition of the by-time tables: `20260304`. */
export function dayKey(date: Date): string {
  return date.toISOString().slice(0, 10).replaceAll('-', '');
}

/** Upper bound for "every row key starting with `prefix|`": `|` is 0x7C, so `}` (0x7D) follows it. */
export function prefixRange(prefix: string): { readonly from: string; readonly to: string } {
  return { from: `${prefix}|`, to: `${prefix}}` };
}

/** OData string literal (single quotes doubled). */
export function odata(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
