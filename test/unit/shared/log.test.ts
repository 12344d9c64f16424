import { describe, expect, it } from 'vitest';
import { type Log, logEvent } from '../../../shared/log';

/** A Log that keeps which method each line reached, the way the host keeps an invocation's levels. */
function recordingLog(): { lines: [string, unknown][]; log: Log } {
  const lines: [string, unknown][] = [];
  const at = (level: string) => (line: unknown) => lines.push([level, line]);
  return { lines, log: { log: at('log'), info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('logEvent', () => {
  it('writes one JSON line at the level the entry names, and at log level without one', () => {
    const { lines, log } = recordingLog();
    logEvent(log, { event: 'a.plain', n: 1 });
    logEvent(log, { level: 'warn', event: 'a.warning' });
    logEvent(log, { level: 'error', event: 'a.failure', code: 'x' });
    expect(lines).toEqual([
      ['log', '{"event":"a.plain","n":1}'],
      ['warn', '{"level":"warn","event":"a.warning"}'],
      ['error', '{"level":"error","event":"a.failure","code":"x"}'],
    ]);
  });
});
