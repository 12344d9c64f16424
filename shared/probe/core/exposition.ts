/*
 * The Prometheus text exposition format (version 0.0.4) and OpenMetrics 1.0 text, from plain
 * metric families. Pure: no I/O, so what a scrape gets is a function of the families alone.
 *
 * Facts this relies on (Prometheus "Exposition formats" and the OpenMetrics 1.0 specification):
 * - a label value is a double-quoted string in which backslash, double quote and line feed are
 *   written `\\`, `\"` and `\n`; HELP text escapes backslash and line feed;
 * - a counter's samples end in `_total`; in 0.0.4 the TYPE line names the sample (`x_total`), in
 *   OpenMetrics it names the family (`x`);
 * - a histogram is `_bucket` samples with a cumulative `le` ending at `+Inf`, then `_sum` and
 *   `_count` (equal to the `+Inf` bucket);
 * - OpenMetrics text ends with `# EOF`.
 *
 * Label values come from configuration written by people (a target's display name): besides the
 * escaping they are cut to MAX_LABEL_VALUE_CHARS and made well-formed UTF-16 (a lone surrogate
 * cannot be written as UTF-8), so no value can break a line, forge a sample or blow up a scrape.
 */

export type MetricType = 'gauge' | 'counter' | 'histogram';

export interface MetricSample {
  /** Added to the family name: `_bucket`, `_sum`, `_count` for histograms; none otherwise (counters get `_total` from the renderer). */
  readonly suffix?: '_bucket' | '_sum' | '_count';
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  /** Without `_total` for counters: the renderer adds it. */
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly MetricSample[];
}

export type ExpositionFormat = 'prometheus' | 'openmetrics';

export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/** Long enough for any display name the targets schema allows (200), short enough that a scrape stays small. */
export const MAX_LABEL_VALUE_CHARS = 120;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A label value as written between the quotes: bounded, well-formed, escaped. */
export function escapeLabelValue(value: string): string {
  const chars = [...value.replace(LONE_SURROGATE, '\uFFFD')];
  const bounded =
    chars.length > MAX_LABEL_VALUE_CHARS ? [...chars.slice(0, MAX_LABEL_VALUE_CHARS - 1), '…'] : chars;
  return bounded.join('').replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** OpenMetrics escapes a double quote in HELP text too; 0.0.4 reads `\"` there as written, so it is escaped only there. */
function escapeHelp(text: string, format: ExpositionFormat): string {
  const escaped = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return format === 'openmetrics' ? escaped.replace(/"/g, '\\"') : escaped;
}

/** Numbers as both formats read them; an `le` bound keeps a decimal point, so `1.0` is one series in either format. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

export function formatBound(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  for (const [name] of entries) {
    if (!LABEL_NAME.test(name)) throw new Error(`invalid label name ${JSON.stringify(name)}`);
  }
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

/** The families as one scrape's body, in the order given (families are never merged or reordered). */
export function renderExposition(families: readonly MetricFamily[], format: ExpositionFormat): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const family of families) {
    // Names are the program's own, never configuration: a bad or repeated one is a bug, caught by tests.
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid metric name ${JSON.stringify(family.name)}`);
    if (seen.has(family.name)) throw new Error(`metric family ${family.name} given twice`);
    seen.add(family.name);
    const typeName =
      family.type === 'counter' && format === 'prometheus' ? `${family.name}_total` : family.name;
    lines.push(`# HELP ${typeName} ${escapeHelp(family.help, format)}`);
    lines.push(`# TYPE ${typeName} ${family.type}`);
    for (const sample of family.samples) {
      const suffix = family.type === 'counter' ? '_total' : (sample.suffix ?? '');
      lines.push(`${family.name}${suffix}${labelText(sample.labels)} ${formatValue(sample.value)}`);
    }
  }
  if (format === 'openmetrics') lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

/**
 * Which format a scraper asked for: OpenMetrics when its Accept header names
 * `application/openmetrics-text` (Prometheus sends it first when it can read it), else 0.0.4.
 */
export function negotiateFormat(accept: string | null): ExpositionFormat {
  return accept !== null && /application\/openmetrics-text/i.test(accept) ? 'openmetrics' : 'prometheus';
}
