import { bringForward } from './deep-link';
import { h, replaceChildren } from './dom';
import { ms, percent, relative, utcTime } from './format';
import type { ProbesSummary, TargetSummary } from './types';

/** One tile per probe target: state and since when, availability, latency, certificate. */
export function renderTiles(
  container: HTMLElement,
  summary: ProbesSummary,
  onSelect: (id: string) => void,
  /** The target the chart shows: its tile is marked as the current one. */
  selected?: string,
): void {
  const problem = summary.targetsProblem;
  const problemNote =
    problem === undefined
      ? null
      : h(
          'div',
          { class: 'tile-config-problem', 'data-targets-problem': 'true' },
          h('p', { class: 'strong' }, `Nothing new is probed: ${problem.message}.`),
          h('ul', {}, ...problem.issues.map((i) => h('li', {}, h('code', {}, i.path), ` ${i.message}`))),
          problem.issueCount > problem.issues.length
            ? h('p', { class: 'small' }, `…and ${problem.issueCount - problem.issues.length} more.`)
            : null,
        );
  if (summary.targets.length === 0) {
    replaceChildren(
      container,
      problemNote ??
        h('p', { class: 'muted' }, 'No probe results yet. The probe timer writes them every minute.'),
    );
    return;
  }
  const suffixes = distinguishingSuffixes(summary.targets);
  replaceChildren(
    container,
    problemNote,
    ...summary.targets.map((t) => tile(t, suffixes.get(t.id), onSelect)),
  );
  if (selected !== undefined) markTile(container, selected, false);
}

const SELECTED = 'selected';

/**
 * Marks the tile of target `id` as the current one (aria-current); with `bring` (a deep link,
 * `#target=<id>`) also scrolls to it and moves the focus to it. False when no tile has that id.
 */
export function markTile(container: HTMLElement, id: string, bring: boolean): boolean {
  const tiles = [...container.querySelectorAll<HTMLElement>('.tile[data-target]')];
  const chosen = tiles.find((t) => t.dataset.target === id);
  if (chosen === undefined) return false;
  if (bring) {
    bringForward(chosen, SELECTED, tiles);
    return true;
  }
  for (const t of tiles) {
    t.classList.toggle(SELECTED, t === chosen);
    if (t === chosen) t.setAttribute('aria-current', 'true');
    else t.removeAttribute('aria-current');
  }
  return true;
}

/** Names longer than a tile shows that begin alike ("Fabrikam (acquired c…") need a visible difference. */
const VISIBLE_NAME_CHARS = 22;

/** For each target whose shown name could be mistaken for another's: its id, shown under the name. */
export function distinguishingSuffixes(targets: readonly TargetSummary[]): Map<string, string> {
  const byStart = new Map<string, TargetSummary[]>();
  for (const t of targets) {
    const start = (t.displayName ?? t.id).slice(0, VISIBLE_NAME_CHARS).toLowerCase();
    byStart.set(start, [...(byStart.get(start) ?? []), t]);
  }
  const suffixes = new Map<string, string>();
  for (const group of byStart.values()) if (group.length > 1) for (const t of group) suffixes.set(t.id, t.id);
  return suffixes;
}

function tile(t: TargetSummary, suffix: string | undefined, onSelect: (id: string) => void): HTMLElement {
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
      // The full name, the id and the URL: the visible name may be cut short on a narrow tile.
      title: [t.displayName ?? t.id, `id ${t.id}`, t.url].filter(Boolean).join(' · '),
    },
    h(
      'span',
      { class: 'tile-head' },
      h('span', { class: 'tile-name' }, t.displayName ?? t.id),
      h('span', { class: `badge state-${state}` }, t.state),
    ),
    suffix === undefined ? null : h('span', { class: 'tile-suffix muted small' }, suffix),
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
