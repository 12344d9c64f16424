import { h, replaceChildren } from './dom';
import { ms, percent, relative, utcTime } from './format';
import type { ProbesSummary, TargetSummary } from './types';

/** One tile per probe target: state and since when, availability, latency, certificate. */
export function renderTiles(
  container: HTMLElement,
  summary: ProbesSummary,
  onSelect: (id: string) => void,
): void {
  if (summary.targets.length === 0) {
    replaceChildren(
      container,
      h('p', { class: 'muted' }, 'No probe results yet. The probe timer writes them every minute.'),
    );
    return;
  }
  replaceChildren(container, ...summary.targets.map((t) => tile(t, onSelect)));
}

function tile(t: TargetSummary, onSelect: (id: string) => void): HTMLElement {
  const state = t.state.toLowerCase();
  const last = t.lastResult;
  const problem =
    t.state === 'DOWN' || t.state === 'DEGRADED'
      ? [
          last.class,
          last.phase && `in ${last.phase}`,
          last.connectionState && `(connection ${last.connectionState})`,
        ]
          .filter(Boolean)
          .join(' ') || last.reason
      : null;
  const cert = t.certificateDaysLeft;
  const button = h(
    'button',
    {
      type: 'button',
      class: `tile state-${state}`,
      'data-target': t.id,
      'data-state': t.state,
      title: t.url ?? t.id,
    },
    h(
      'span',
      { class: 'tile-head' },
      h('span', { class: 'tile-name' }, t.displayName ?? t.id),
      h('span', { class: `badge state-${state}` }, t.state),
    ),
    h(
      'span',
      { class: 'tile-since' },
      t.since === null ? 'no judged result yet' : `since ${relative(t.since)}`,
      h('span', { class: 'muted small' }, ` · ${utcTime(t.since)}`),
    ),
    problem ? h('span', { class: 'tile-problem' }, problem) : null,
    last.inMaintenance ? h('span', { class: 'tile-problem muted' }, 'in maintenance') : null,
    h(
      'span',
      { class: 'tile-grid' },
      metric('24 h', percent(t.availability.h24)),
      metric('7 d', percent(t.availability.d7)),
      metric('30 d', percent(t.availability.d30)),
      metric('p50', ms(t.latency24h.p50Ms)),
      metric('p95', ms(t.latency24h.p95Ms)),
      metric('cert', cert === null ? '—' : `${cert} d`, cert !== null && cert < 14 ? 'warn' : undefined),
    ),
  );
  button.addEventListener('click', () => onSelect(t.id));
  return button;
}

function metric(label: string, value: string, tone?: string): HTMLElement {
  return h(
    'span',
    { class: `metric${tone ? ` ${tone}` : ''}` },
    h('span', { class: 'metric-label' }, label),
    h('span', { class: 'metric-value' }, value),
  );
}
