/* Formatting for people: percentages, milliseconds, times (UTC shown next to relative times). */
export function percent(value: number | null): string {
  if (value === null) return '—';
  const p = value * 100;
  return `${p >= 99.995 ? '100' : p.toFixed(p >= 99 ? 2 : 1)} %`;
}

export function ms(value: number | null): string {
  if (value === null) return '—';
  return value >= 1000
    ? `${(value / 1000).toFixed(2)} s`
    : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

export function relative(iso: string | null, now = Date.now()): string {
  if (iso === null) return '—';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min ago`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h ago`;
}

export function duration(fromIso: string, toIso: string): string {
  const minutes = Math.max(0, Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

const utc = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
});

export function utcTime(iso: string | null): string {
  return iso === null ? '—' : `${utc.format(new Date(iso))} UTC`;
}

const shortTime = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
const shortDay = new Intl.DateTimeFormat('en-GB', { month: 'short', day: '2-digit', timeZone: 'UTC' });

/** Axis label for a bucket start: time of day for ranges up to a day, the date beyond. */
export function axisLabel(epochMs: number, bucketSeconds: number): string {
  const date = new Date(epochMs);
  return bucketSeconds >= 86_400
    ? shortDay.format(date)
    : bucketSeconds >= 3600 && date.getUTCHours() === 0
      ? shortDay.format(date)
      : shortTime.format(date);
}

export function shortId(id: string | null): string {
  if (id === null) return '—';
  return id.length > 13 ? `${id.slice(0, 8)}…` : id;
}
