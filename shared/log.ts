/* What use cases and adapters need from an invocation's logger; InvocationContext satisfies it. */
export interface Log {
  /** Detail nobody needs by default: the host's Information filter keeps it out of Application Insights. */
  debug?(...args: unknown[]): void;
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** One structured line: an `event` name and its fields; `level` sends it to debug, warn or error instead of log. */
export type LogEntry = Record<string, unknown> & { readonly level?: 'debug' | 'warn' | 'error' };

/** Writes an entry as one JSON line at its level: the host keeps the level, log queries parse the line. */
export function logEvent(log: Log, entry: LogEntry): void {
  const line = JSON.stringify(entry);
  if (entry.level === 'debug') log.debug?.(line);
  else if (entry.level === 'error') log.error(line);
  else if (entry.level === 'warn') log.warn(line);
  else log.log(line);
}

/** Writes nothing: the logger of code whose lines nobody would read. */
export const silentLog: Log = {
  log: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
