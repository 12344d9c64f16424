import { describe, expect, it } from 'vitest';
import { chartTarget } from '../../../dashboard/src/chart-target';

const target = (id: string, samples: number, at: string | null = '2026-12-01T10:00:00Z') => ({
  id,
  latency24h: { p50Ms: null, p95Ms: null, maxMs: null, samples },
  lastResult: {
    status: null,
    class: null,
    phase: null,
    code: null,
    statusCode: null,
    totalMs: null,
    at,
    reason: null,
    inMaintenance: false,
    connectionState: null,
  },
});

describe('the latency chart opens on a target with data', () => {
  // The lab at +40 s: every endpoint has failed runs (waiting for its connection), one has latency.
  const lab = [target('pe-fabrikam-api', 0), target('pe-fabrikam-web', 6), target('pe-northwind-web', 0)];

  it('not on the first target when that one has nothing to draw', () => {
    expect(chartTarget(lab, '', false)).toBe('pe-fabrikam-web');
  });

  it('moves from an empty chart the page chose once another target has data, never from a person’s pick', () => {
    expect(chartTarget(lab, 'pe-fabrikam-api', false)).toBe('pe-fabrikam-web');
    expect(chartTarget(lab, 'pe-fabrikam-api', true)).toBe('pe-fabrikam-api');
    expect(chartTarget(lab, 'pe-fabrikam-web', false)).toBe('pe-fabrikam-web');
  });

  it('falls back to a target with any result, then the first, then nothing', () => {
    expect(chartTarget([target('a', 0, null), target('b', 0)], '', false)).toBe('b');
    expect(chartTarget([target('a', 0, null)], '', false)).toBe('a');
    expect(chartTarget([], '', false)).toBe('');
    expect(chartTarget([target('a', 3)], 'gone', true)).toBe('a');
  });
});
