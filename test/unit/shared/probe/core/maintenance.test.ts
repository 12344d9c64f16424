import { describe, expect, it } from 'vitest';
import { activeWindowStart, isInMaintenance } from '../../../../../shared/probe/core/maintenance';

const berlinNightly = { cron: '0 0 1 * * *', durationMinutes: 180, timeZone: 'Europe/Berlin' };
const at = (iso: string) => new Date(iso);

describe('maintenance windows', () => {
  it('covers [start, start + duration) in the window zone on an ordinary day', () => {
    // 01:00 CET = 00:00Z on 2026-01-15, for 3 h.
    expect(isInMaintenance([berlinNightly], at('2026-01-14T23:59:59Z'))).toBe(false);
    expect(activeWindowStart(berlinNightly, at('2026-01-15T00:00:00Z'))?.toISOString()).toBe(
      '2026-01-15T00:00:00.000Z',
    );
    expect(isInMaintenance([berlinNightly], at('2026-01-15T02:59:59Z'))).toBe(true);
    expect(isInMaintenance([berlinNightly], at('2026-01-15T03:00:00Z'))).toBe(false);
  });

  it('lasts 180 real minutes across the spring-forward night (ends 05:00 CEST, not 04:00)', () => {
    // 2026-03-29: 02:00 CET jumps to 03:00 CEST. Window starts 01:00 CET = 00:00Z.
    expect(activeWindowStart(berlinNightly, at('2026-03-29T00:00:00Z'))?.toISOString()).toBe(
      '2026-03-29T00:00:00.000Z',
    );
    expect(isInMaintenance([berlinNightly], at('2026-03-29T02:30:00Z'))).toBe(true); // 04:30 CEST
    expect(isInMaintenance([berlinNightly], at('2026-03-29T03:00:00Z'))).toBe(false); // 05:00 CEST
    // The next day starts at 01:00 CEST = 23:00Z: one hour earlier in UTC.
    expect(isInMaintenance([berlinNightly], at('2026-03-29T23:30:00Z'))).toBe(true);
    expect(isInMaintenance([berlinNightly], at('2026-03-29T22:59:00Z'))).toBe(false);
  });

  it('lasts 180 real minutes across the fall-back night too', () => {
    // 2026-10-25: 03:00 CEST falls back to 02:00 CET. Window starts 01:00 CEST = 23:00Z (24th).
    expect(activeWindowStart(berlinNightly, at('2026-10-25T00:00:00Z'))?.toISOString()).toBe(
      '2026-10-24T23:00:00.000Z',
    );
    expect(isInMaintenance([berlinNightly], at('2026-10-25T01:59:00Z'))).toBe(true);
    expect(isInMaintenance([berlinNightly], at('2026-10-25T02:00:00Z'))).toBe(false);
  });

  it('moves a start that does not exist that night (02:30 on spring-forward) to 03:30 CEST', () => {
    const window = { cron: '0 30 2 * * *', durationMinutes: 30, timeZone: 'Europe/Berlin' };
    expect(isInMaintenance([window], at('2026-03-29T01:35:00Z'))).toBe(true); // 03:35 CEST
    expect(isInMaintenance([window], at('2026-03-29T00:35:00Z'))).toBe(false);
  });

  it('reads five-field cron, weekdays, and several windows', () => {
    const sundays = { cron: '0 6 * * 0', durationMinutes: 60, timeZone: 'UTC' };
    const never = { cron: '0 0 1 1 *', durationMinutes: 0, timeZone: 'UTC' };
    expect(isInMaintenance([never, sundays], at('2026-11-01T06:30:00Z'))).toBe(true); // a Sunday
    expect(isInMaintenance([never, sundays], at('2026-11-02T06:30:00Z'))).toBe(false);
    expect(isInMaintenance([], at('2026-11-01T06:30:00Z'))).toBe(false);
  });
});
