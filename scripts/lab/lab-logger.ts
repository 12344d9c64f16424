import { format } from 'node:util';
import type { HostLogger, InvocationRecord } from '../local-host/invocation-logger';

/**
 * While the lab tells its story, the host's per-invocation lines (a probe run every few seconds, a
 * reconciliation every few more) would drown it. What still shows: failed invocations and what the
 * functions log at warning level or above, each told once and then counted while it repeats (a bad
 * targets file fails every probe run: one line, then "… again N times" now and then, not two lines
 * every five seconds), structured log lines in a few words instead of raw JSON. Hidden: successful
 * and skipped invocations (a timer run skipped while the previous one still runs is not a problem)
 * and the probe's state-change warnings, which the narrative tells in one line each. `--verbose`
 * keeps everything.
 */
export interface LabLoggerOptions {
  /** How long repeats of one line are counted before the count is told. */
  readonly repeatSummaryMs?: number;
  readonly now?: () => number;
}

export function labLogger(
  inner: HostLogger,
  labActive: () => boolean,
  options: LabLoggerOptions = {},
): HostLogger {
  const summaryEvery = options.repeatSummaryMs ?? 60_000;
  const now = options.now ?? Date.now;
  /** Per repeating line: when it was last told (first or summary), and how often it came since. */
  const repeats = new Map<string, { toldAt: number; since: number }>();

  /** Tells a line the first time (`first`), then counts its repeats and tells the count now and then. */
  const once = (key: string, first: () => void, line: string): void => {
    const seen = repeats.get(key);
    const at = now();
    if (seen === undefined) {
      repeats.set(key, { toldAt: at, since: 0 });
      first();
      return;
    }
    seen.since++;
    if (at - seen.toldAt >= summaryEvery) {
      inner.info(
        `  … ${line}: again ${seen.since} time${seen.since === 1 ? '' : 's'} in the last ${Math.round((at - seen.toldAt) / 1000)} s`,
      );
      seen.toldAt = at;
      seen.since = 0;
    }
  };

  return {
    invocation(record) {
      if (!labActive()) {
        inner.invocation(record);
        return;
      }
      if (record.outcome !== 'failed') return;
      once(
        invocationKey(record),
        () => inner.invocation(record),
        `${record.functionName} failed (${record.result ?? 'no reason given'})`,
      );
    },
    functionLog(functionName, invocationId, level, args) {
      if (!labActive()) {
        inner.functionLog(functionName, invocationId, level, args);
        return;
      }
      if (level !== 'warning' && level !== 'error' && level !== 'critical') return;
      const text = format(...args);
      if (level === 'warning' && text.includes('"probe.stateChange"')) return;
      const short = shortLogLine(text);
      once(
        `${functionName}|${level}|${short}`,
        () => inner.functionLog(functionName, invocationId, level, [short]),
        `${functionName}: ${short}`,
      );
    },
    info: (message) => inner.info(message),
    warn: (message) => inner.warn(message),
    // The host's own errors (a function that threw, with its stack) repeat with every failing run too:
    // told in full once, then counted by their first line (invocation ids left out).
    error: (message) => {
      if (!labActive()) {
        inner.error(message);
        return;
      }
      const first = (message.split('\n')[0] ?? '').replace(/\([0-9a-f]{8}-[0-9a-f-]{27}\)/gi, '(…)');
      once(`host|${first}`, () => inner.error(message), first);
    },
  };
}

/** Repeats of one failure: same function, same reason (ids and times in the reason do not make it new). */
function invocationKey(record: InvocationRecord): string {
  return `${record.functionName}|${record.outcome}|${(record.result ?? '').replace(/[0-9a-f]{8}-[0-9a-f-]{27}|\d+/gi, '#')}`;
}

/**
 * A structured log line (`logEvent`'s one JSON object) in a few words: its event, code and message,
 * and the first issue when it lists some. Anything else is returned as it is, on one line.
 */
export function shortLogLine(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const entry = JSON.parse(trimmed) as Record<string, unknown>;
      const str = (key: string) => (typeof entry[key] === 'string' ? (entry[key] as string) : undefined);
      const issues = Array.isArray(entry.issues)
        ? (entry.issues as { path?: unknown; message?: unknown }[])
        : [];
      const first = issues[0];
      const parts = [
        str('event') ?? 'log',
        str('code') === undefined ? undefined : `(${str('code')})`,
        str('message') ?? str('detail') ?? str('error'),
        first === undefined
          ? undefined
          : `first: ${String(first.path ?? '')}: ${String(first.message ?? '')}${issues.length > 1 ? ` (${issues.length} issues)` : ''}`,
      ].filter((p): p is string => p !== undefined && p !== '');
      return parts.join(' ').replace(/\s*\n\s*/g, ' ');
    } catch {
      // not JSON after all: told as it is
    }
  }
  return trimmed.replace(/\s*\n\s*/g, ' ');
}
