import { describe, expect, it } from 'vitest';
import { emptyRollup } from '../../../../../shared/probe/core/rollup';
import { csvCell, exclusionsOf, incidentsOf } from '../../../../../shared/probe/core/slo-report';

describe('CSV cells', () => {
  it('prefixes text a spreadsheet would run as a formula, and quotes what RFC 4180 needs', () => {
    for (const lead of ['=', '+', '-', '@', '\t', '\r'])
      expect(csvCell(`${lead}1+1`).startsWith(`'`) || csvCell(`${lead}1+1`).startsWith(`"'`)).toBe(true);
    expect(csvCell('=cmd|" /C calc"!A0')).toBe(`"'=cmd|"" /C calc""!A0"`);
    expect(csvCell('shop, east')).toBe('"shop, east"');
    expect(csvCell('plain')).toBe('plain');
    // Numbers and booleans are the report's own: a negative budget stays a number.
    expect(csvCell(-12.5)).toBe('-12.5');
    expect(csvCell(false)).toBe('false');
    expect(csvCell(null)).toBe('');
  });
});

describe('incidents and exclusions', () => {
  const event = (at: string, from: string, to: string) => ({
    targetId: 't',
    displayName: null,
    at,
    from,
    to,
    reason: `${from}>${to}`,
    runId: at,
    connectionState: null,
    evidence: [],
  });
  const from = new Date('2026-11-01T00:00:00Z');
  const to = new Date('2026-12-01T00:00:00Z');

  it('pairs DOWN with the next change away; one begun before the month starts at the month, one still open ends null', () => {
    const incidents = incidentsOf(
      [
        event('2026-11-30T23:00:00.000Z', 'UP', 'DOWN'),
        event('2026-11-01T01:00:00.000Z', 'DOWN', 'UP'),
        event('2026-11-10T10:00:00.000Z', 'UP', 'DOWN'),
        event('2026-11-10T10:30:00.000Z', 'DOWN', 'DEGRADED'),
      ],
      from,
      to,
    );
    expect(incidents.map((i) => [i.start, i.end, i.minutes])).toEqual([
      ['2026-11-01T00:00:00.000Z', '2026-11-01T01:00:00.000Z', 60],
      ['2026-11-10T10:00:00.000Z', '2026-11-10T10:30:00.000Z', 30],
      ['2026-11-30T23:00:00.000Z', null, 60],
    ]);
  });

  it('merges consecutive hours of the same reason', () => {
    const hour = (h: number, maintenance: number, notApproved: number) => ({
      start: new Date(Date.UTC(2026, 10, 5, h)),
      rollup: { ...emptyRollup(), maintenance, notApproved },
    });
    expect(exclusionsOf([hour(2, 60, 0), hour(3, 30, 0), hour(5, 0, 12)])).toEqual([
      { reason: 'maintenance', from: '2026-11-05T02:00:00.000Z', to: '2026-11-05T04:00:00.000Z', runs: 90 },
      { reason: 'not-approved', from: '2026-11-05T05:00:00.000Z', to: '2026-11-05T06:00:00.000Z', runs: 12 },
    ]);
  });
});
