import { describe, expect, it } from 'vitest';
import { eventFromBurn } from '../../../../../shared/notify/core/event-builders';
import { factRows, headline, renderPayload } from '../../../../../shared/notify/core/payloads';
import type { SloBurnNotice } from '../../../../../shared/probe/core/slo';

const NOTICE: SloBurnNotice = {
  kind: 'fired',
  rule: 'page-fast',
  severity: 'page',
  since: '2026-12-01T10:05:30.000Z',
  at: '2026-12-01T10:05:30.000Z',
  longBurn: 20.04,
  shortBurn: 100,
  threshold: 14.4,
  longMinutes: 60,
  shortMinutes: 5,
  availability: 99.9,
  windowDays: 30,
};

describe('slo.burn event', () => {
  it('names the episode: the same notice twice is one event, its resolution another', () => {
    const fired = eventFromBurn('shop', 'Shop *front*', NOTICE);
    expect(eventFromBurn('shop', 'Shop *front*', NOTICE).id).toBe(fired.id);
    const resolved = eventFromBurn('shop', 'Shop *front*', {
      ...NOTICE,
      kind: 'resolved',
      at: '2026-12-01T10:20:00.000Z',
    });
    expect(resolved.id).not.toBe(fired.id);
    expect(fired.facts).toMatchObject({ rule: 'page-fast (page)', from: 'ok', to: 'burning' });
    expect(resolved.facts).toMatchObject({ to: 'resolved', since: NOTICE.since });
  });

  it('reads as a headline and facts on every channel, the name escaped', () => {
    const fired = eventFromBurn('shop', 'Shop *front*', NOTICE);
    expect(headline(fired)).toBe('Error budget burning: Shop *front* (page-fast (page))');
    expect(headline(eventFromBurn('shop', 'Shop', { ...NOTICE, kind: 'resolved' }))).toMatch(
      /^Error budget burn over: Shop/,
    );
    expect(factRows(fired).find((r) => r.label === 'Why')?.value).toContain(
      'burn rate 20x over 60 min and 100x over 5 min (alert at 14.4x)',
    );
    for (const kind of ['teams', 'slack', 'generic'] as const) {
      const rendered = JSON.stringify(
        renderPayload(kind, fired, { source: 'plg', dashboardUrl: undefined }).body,
      );
      expect(rendered).toContain('page-fast');
    }
  });
});
