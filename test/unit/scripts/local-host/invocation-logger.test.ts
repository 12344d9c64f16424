import { describe, expect, it } from 'vitest';
import { consoleLogger, formatInvocation } from '../../../../scripts/local-host/invocation-logger';

const record = {
  functionName: 'health',
  invocationId: '0f8fad5b-d9cb-469f-a165-70867728950e',
  trigger: 'http' as const,
  detail: 'GET /api/health',
  durationMs: 12.4,
  outcome: 'succeeded' as const,
  result: '200',
};

describe('invocation logger', () => {
  it('writes one line per invocation with function, trigger, outcome and duration', () => {
    expect(formatInvocation(record)).toBe('health [http] GET /api/health: succeeded (200) in 12 ms');
  });

  it('--quiet drops invocation lines and info, but keeps warnings and errors on stderr', () => {
    const out: string[] = [];
    const err: string[] = [];
    const quiet = consoleLogger({ quiet: true, out: (l) => out.push(l), err: (l) => err.push(l) });
    quiet.invocation(record);
    quiet.info('Functions:');
    quiet.functionLog('health', record.invocationId, 'information', ['hello']);
    quiet.functionLog('health', record.invocationId, 'error', ['broken', 42]);
    quiet.warn('careful');
    expect(out).toEqual([]);
    expect(err).toHaveLength(2);
    expect(err[0]).toMatch(/health error: broken 42 \(0f8fad5b\)$/);
    expect(err[1]).toBe('warning: careful');

    const loud = consoleLogger({ quiet: false, out: (l) => out.push(l), err: (l) => err.push(l) });
    loud.invocation(record);
    loud.functionLog('health', record.invocationId, 'information', ['hello']);
    expect(out).toHaveLength(2);
    expect(out[0]).toContain('health [http] GET /api/health: succeeded (200)');
  });
});
