import { describe, expect, it } from 'vitest';
import {
  escapeLabelValue,
  MAX_LABEL_VALUE_CHARS,
  type MetricFamily,
  negotiateFormat,
  renderExposition,
} from '../../../../../shared/probe/core/exposition';

/** A display name that tries every way out of a quoted label value. */
const HOSTILE = 'evil\\"} 1\nforged_metric{x="y"} 42\n# TYPE forged_metric gauge\r\n';

const info = (displayName: string): MetricFamily => ({
  name: 'gatekeeper_probe_target_info',
  help: 'A target.',
  type: 'gauge',
  samples: [{ labels: { target: 'web', display_name: displayName }, value: 1 }],
});

describe('Prometheus text exposition', () => {
  it('escapes backslash, double quote and line feed in label values, so hostile text stays one label value', () => {
    const text = renderExposition([info(HOSTILE)], 'prometheus');
    const lines = text.trimEnd().split('\n');
    // HELP, TYPE and exactly one sample: nothing the value holds starts a line of its own.
    expect(lines).toHaveLength(3);
    expect(lines.some((l) => l.startsWith('forged_metric'))).toBe(false);
    expect(lines[2]).toBe(
      'gatekeeper_probe_target_info{target="web",display_name="evil\\\\\\"} 1\\nforged_metric{x=\\"y\\"} 42\\n# TYPE forged_metric gauge\r\\n"} 1',
    );
  });

  it('bounds label values and makes them well-formed UTF-16', () => {
    const long = 'x'.repeat(500);
    expect([...escapeLabelValue(long)]).toHaveLength(MAX_LABEL_VALUE_CHARS);
    expect(escapeLabelValue(long).endsWith('…')).toBe(true);
    // A lone surrogate cannot be written as UTF-8: it becomes U+FFFD, a pair stays.
    expect(escapeLabelValue('a\uD800b\uD83D\uDE00')).toBe('a\uFFFDb\uD83D\uDE00');
  });

  it('names counters with _total on the TYPE line in 0.0.4 and on the family in OpenMetrics, which ends with # EOF', () => {
    const counter: MetricFamily = {
      name: 'gatekeeper_probe_runs',
      help: 'Runs "today".',
      type: 'counter',
      samples: [{ labels: { target: 'web' }, value: 3 }],
    };
    expect(renderExposition([counter], 'prometheus')).toBe(
      '# HELP gatekeeper_probe_runs_total Runs "today".\n# TYPE gatekeeper_probe_runs_total counter\ngatekeeper_probe_runs_total{target="web"} 3\n',
    );
    expect(renderExposition([counter], 'openmetrics')).toBe(
      '# HELP gatekeeper_probe_runs Runs \\"today\\".\n# TYPE gatekeeper_probe_runs counter\ngatekeeper_probe_runs_total{target="web"} 3\n# EOF\n',
    );
  });

  it('refuses a family given twice or a bad name (a bug, never configuration)', () => {
    expect(() => renderExposition([info('a'), info('b')], 'prometheus')).toThrow(/given twice/);
    expect(() => renderExposition([{ ...info('a'), name: 'bad name' }], 'prometheus')).toThrow(
      /invalid metric name/,
    );
  });

  it('answers OpenMetrics only to a scraper that asks for it', () => {
    expect(negotiateFormat(null)).toBe('prometheus');
    expect(negotiateFormat('text/plain;version=0.0.4;q=0.5,*/*;q=0.1')).toBe('prometheus');
    expect(
      negotiateFormat(
        'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75',
      ),
    ).toBe('openmetrics');
  });
});
