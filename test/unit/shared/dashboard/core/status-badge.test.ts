import { describe, expect, it } from 'vitest';
import {
  escapeXml,
  MAX_LABEL_CHARS,
  statusBadgeSvg,
} from '../../../../../shared/dashboard/core/status-badge';
import { TARGET_CONDITIONS } from '../../../../../shared/probe/core/probe-summary-types';

/** The markup of a badge: its tags in order (a name that broke out would add or change some). */
const tags = (svg: string) => [...svg.matchAll(/<\/?([a-z]+)/g)].map((m) => m[0]);

const HOSTILE = `<script>alert(1)</script> & "quoted" 'single' \u0007bell`;

describe('status badge (SVG)', () => {
  it('has the same markup for every condition and says the condition in words', () => {
    const markup = tags(statusBadgeSvg({ name: 'Fabrikam web', condition: 'up' }));
    expect(markup).toEqual([
      '<svg',
      '<title',
      '</title',
      '<rect',
      '<rect',
      '<g',
      '<text',
      '</text',
      '<text',
      '</text',
      '</g',
      '</svg',
    ]);
    for (const condition of TARGET_CONDITIONS) {
      const svg = statusBadgeSvg({ name: 'Fabrikam web', condition });
      expect(tags(svg), condition).toEqual(markup);
      expect(svg).toContain('<title>Fabrikam web: ');
    }
    expect(statusBadgeSvg({ name: 'x', condition: 'awaiting-approval' })).toContain('waiting for approval');
  });

  it('keeps a hostile target name inert text: no element, no attribute breaks out', () => {
    const svg = statusBadgeSvg({ name: HOSTILE, condition: 'down' });
    expect(tags(svg)).toEqual(tags(statusBadgeSvg({ name: 'plain', condition: 'down' })));
    expect(svg).not.toContain('<script');
    // Nothing left that XML reads as markup or quoting, and no character XML 1.0 forbids.
    expect(escapeXml(HOSTILE)).not.toMatch(/[<>"']/);
    expect(escapeXml(HOSTILE)).not.toContain(String.fromCharCode(7));
    expect(svg).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot; &apos;single&apos; bell',
    );
  });

  it('cuts a long name on the badge and keeps it whole in the title', () => {
    const name = 'n'.repeat(MAX_LABEL_CHARS + 20);
    const svg = statusBadgeSvg({ name, condition: 'up' });
    expect(svg).toContain(`<title>${name}: up</title>`);
    expect(svg).toContain(`>${'n'.repeat(MAX_LABEL_CHARS - 1)}…</text>`);
  });
});
