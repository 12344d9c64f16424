import {
  alerting,
  alertLine,
  type Budget,
  budgetLabel,
  budgetPercent,
  burnLine,
  excludedLine,
  latencyLine,
  objectiveLine,
  remainingLine,
  spentLine,
} from './budget-words';
import { bringForward } from './deep-link';
import { h, replaceChildren } from './dom';
import { ms, percent, relative, utcTime } from './format';
import type { ProbesSummary, TargetSummary } from './types';

type Condition = TargetSummary['condition'];
type HourCounts = TargetSummary['history24h'][number];

/**
 * Each condition has its own words and mark, not only its colour: a target waiting for the
 * provider's approval, or rejected by it, is not an outage, and must not look like one.
 */
const CONDITIONS: Record<
  Condition,
  { readonly label: string; readonly mark: string; readonly phrase: string }
> = {
  up: { label: 'UP', mark: '✓', phrase: 'up' },
  degraded: { label: 'DEGRADED', mark: '!', phrase: 'degraded' },
  down: { label: 'DOWN', mark: '✕', phrase: 'down' },
  unknown: { label: 'UNKNOWN', mark: '?', phrase: 'not judged yet' },
  maintenance: { label: 'MAINTENANCE', mark: '⚙', phrase: 'in maintenance' },
  'awaiting-approval': { label: 'WAITING FOR APPROVAL', mark: '…', phrase: 'waiting for approval' },
  rejected: { label: 'REJECTED', mark: '⊘', phrase: 'rejected' },
  'not-connected': { label: 'NOT CONNECTED', mark: '⊘', phrase: 'not connected' },
};

/** Why a target is in a connection condition, in the words of who can fix it. */
const CONNECTION_NOTES: Partial<Record<Condition, string>> = {
  'awaiting-approval':
    'The provider has not approved the private endpoint connection yet (Pending): not a failure of the service.',
  rejected: 'The provider rejected the connection: the consumer must recreate the private endpoint.',
  'not-connected':
    'The private endpoint has no connection to the Private Link Service (removed or never made).',
};

/**
 * The line at the top: "2 of 4 endpoints up, 1 waiting for approval, 1 rejected". Counts by
 * condition, the ones that need nobody's attention first; null without targets.
 */
export function overviewLine(summary: ProbesSummary): string | null {
  const total = summary.targets.length;
  if (total === 0) return null;
  const counts = new Map<Condition, number>();
  for (const t of summary.targets) counts.set(t.condition, (counts.get(t.condition) ?? 0) + 1);
  const up = counts.get('up') ?? 0;
  const rest = (Object.keys(CONDITIONS) as Condition[])
    .filter((c) => c !== 'up' && (counts.get(c) ?? 0) > 0)
    .map((c) => `${counts.get(c)} ${CONDITIONS[c].phrase}`);
  return [`${up} of ${total} endpoint${total === 1 ? '' : 's'} up`, ...rest].join(', ');
}

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
  const condition = CONDITIONS[t.condition];
  const last = t.lastResult;
  const connectionNote = CONNECTION_NOTES[t.condition];
  const problem =
    connectionNote === undefined && (t.state === 'DOWN' || t.state === 'DEGRADED')
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
      class: `tile state-${state} cond-${t.condition}`,
      'data-target': t.id,
      'data-state': t.state,
      'data-condition': t.condition,
      // The full name, the id and the URL: the visible name may be cut short on a narrow tile.
      title: [t.displayName ?? t.id, `id ${t.id}`, t.url].filter(Boolean).join(' · '),
    },
    h(
      'span',
      { class: 'tile-head' },
      h('span', { class: 'tile-name' }, t.displayName ?? t.id),
      h(
        'span',
        { class: `badge state-${state} cond-${t.condition}` },
        h('span', { class: 'mark', 'aria-hidden': 'true' }, condition.mark),
        ` ${condition.label}`,
      ),
    ),
    suffix === undefined ? null : h('span', { class: 'tile-suffix muted small' }, suffix),
    h(
      'span',
      { class: 'tile-since' },
      t.since === null ? 'no judged result yet' : `since ${relative(t.since)}`,
      h('span', { class: 'muted small' }, ` · ${utcTime(t.since)}`),
    ),
    problem ? h('span', { class: 'tile-problem' }, problem) : null,
    connectionNote === undefined ? null : h('span', { class: 'tile-note' }, connectionNote),
    last.inMaintenance
      ? h('span', { class: 'tile-note' }, 'In a maintenance window: kept out of availability.')
      : null,
    history(t.history24h),
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
    t.budget === undefined ? noObjective() : budgetBlock(t.budget, t.displayName ?? t.id),
  );
  button.addEventListener('click', () => onSelect(t.id));
  return button;
}

/** What one hour's bar says: the worst the service did in it, then the conditions that are not its fault. */
function hourKind(hour: HourCounts): 'none' | 'down' | 'degraded' | 'not-approved' | 'maintenance' | 'up' {
  if (hour.count === 0) return 'none';
  if (hour.down > 0) return 'down';
  if (hour.degraded > 0) return 'degraded';
  if (hour.notApproved > 0) return 'not-approved';
  if (hour.up === 0) return 'maintenance';
  return 'up';
}

const HOUR_WORDS = {
  none: 'no runs',
  down: 'down',
  degraded: 'degraded',
  'not-approved': 'connection not approved',
  maintenance: 'maintenance',
  up: 'up',
} as const;

/** 24 hourly bars like a status page's history, with the same in words for screen readers. */
function history(hours: readonly HourCounts[]): HTMLElement {
  const kinds = hours.map(hourKind);
  const tally = new Map<string, number>();
  for (const k of kinds) tally.set(HOUR_WORDS[k], (tally.get(HOUR_WORDS[k]) ?? 0) + 1);
  const words = [...tally].map(([word, n]) => `${n} h ${word}`).join(', ');
  return h(
    'span',
    { class: 'history', role: 'img', 'aria-label': `Last 24 hours: ${words}` },
    ...hours.map((hour, i) =>
      h('span', {
        class: `hour h-${kinds[i]}`,
        title: `${utcTime(hour.start)}: ${hour.count} runs, ${hour.up} up, ${hour.degraded} degraded, ${hour.down} down${hour.notApproved > 0 ? `, ${hour.notApproved} connection not approved` : ''}${hour.maintenance > 0 ? `, ${hour.maintenance} maintenance` : ''}`,
      }),
    ),
  );
}

/** Where objectives are explained: the tile is a button, so it names the place rather than linking to it. */
const OBJECTIVES_DOC = 'docs/probe.md#objectives-and-error-budgets';

/** A target without `slo`: said plainly, so an absent budget is not read as a full one. */
function noObjective(): HTMLElement {
  return h(
    'span',
    { class: 'budget budget-none', 'data-budget': 'none' },
    h('span', { class: 'budget-title' }, 'No objective'),
    h(
      'span',
      { class: 'budget-line muted' },
      'No error budget or burn alerts: give the target an ',
      h('code', {}, 'slo'),
      ` (${OBJECTIVES_DOC}).`,
    ),
  );
}

/**
 * The error budget of a target with an objective: remaining (the headline, with a bar), used and
 * by how many DOWN runs, the burn rates, any burn alert, and what was left out and why. Every line
 * is always there (an alert adds its own lines), so a poll that changes a figure moves nothing.
 */
function budgetBlock(budget: Budget, name: string): HTMLElement {
  const remaining = budget.remainingPercent;
  const alerts = alerting(budget);
  const severity = alerts.some((a) => a.severity === 'page') ? 'page' : alerts.length > 0 ? 'ticket' : 'none';
  const tone = remaining === null ? 'none' : remaining < 0 ? 'spent' : remaining < 25 ? 'low' : 'ok';
  const fill = h('span', { class: 'budget-fill' });
  // CSSOM, not a style attribute: the page's CSP allows no inline styles.
  fill.style.width = `${remaining === null ? 0 : Math.max(0, Math.min(100, remaining))}%`;
  return h(
    'span',
    {
      class: `budget budget-${tone} alert-${severity}`,
      'data-budget': 'objective',
      'data-budget-remaining': remaining === null ? 'null' : String(remaining),
      'data-budget-alert': severity,
    },
    h(
      'span',
      { class: 'budget-head' },
      h('span', { class: 'budget-title' }, `Error budget (${budget.windowDays} d)`),
      h(
        'span',
        { class: 'budget-remaining' },
        h('span', { class: 'budget-value' }, budgetPercent(remaining)),
        ' remaining',
      ),
    ),
    h('span', { class: 'budget-bar', role: 'img', 'aria-label': budgetLabel(budget, name) }, fill),
    h('span', { class: 'budget-line' }, `${remainingLine(budget)} · ${spentLine(budget)}`),
    h('span', { class: 'budget-line muted' }, objectiveLine(budget)),
    latencyLine(budget) === null ? null : h('span', { class: 'budget-line' }, latencyLine(budget)),
    h('span', { class: 'budget-line budget-burn' }, burnLine(budget)),
    ...(alerts.length === 0
      ? [h('span', { class: 'budget-line budget-quiet muted' }, 'No burn alert')]
      : alerts.map((a) =>
          h(
            'span',
            { class: `budget-alert sev-${a.severity}`, 'data-burn-rule': a.rule },
            h('span', { class: 'mark', 'aria-hidden': 'true' }, '▲'),
            ` ${alertLine(a)}`,
            a.alertSince === null ? null : h('span', { class: 'muted' }, ` · since ${utcTime(a.alertSince)}`),
          ),
        )),
    h('span', { class: 'budget-line muted budget-excluded' }, excludedLine(budget)),
  );
}

function metric(label: string, value: string, tone?: string): HTMLElement {
  return h(
    'span',
    { class: `metric${tone ? ` ${tone}` : ''}` },
    h('span', { class: 'metric-label' }, label),
    h('span', { class: 'metric-value' }, value),
  );
}
