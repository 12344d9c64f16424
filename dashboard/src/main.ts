/*
 * The dashboard page leads with what needs a person: problems to fix, a one-line overview, how many
 * connections wait, and the connections; then status tiles, the latency chart, the incident
 * timeline and the audit trail, each from its JSON route.
 *
 * Live: connections, the audit's first page and the tiles are polled every LIVE_MS with
 * conditional GETs (If-None-Match → 304 when nothing changed, so an unchanged poll costs no
 * transfer and no redraw); the chart, incidents and problems every SLOW_EVERY polls. One poll at a
 * time (the next is scheduled when the last ends), none while the tab is hidden, longer pauses
 * after failures, and every request times out (api.ts). Why polling rather than server-sent
 * events: docs/dashboards.md, "Live updates".
 */
import './dashboard.css';
import { describeProblem, functionKey, getJson, getLive } from './api';
import { auditView } from './audit';
import { reportLinks, reportMonth } from './budget-words';
import { chartTarget } from './chart-target';
import { connectionsView } from './connections';
import { followDeepLinks } from './deep-link';
import { byId, h, replaceChildren } from './dom';
import { utcTime } from './format';
import { renderTimeline } from './incidents';
import { renderLatencyChart, rethemeLatencyChart } from './latency-chart';
import { managedServicesLine } from './managed-services';
import { initTheme } from './theme';
import { markTile, overviewLine, renderTiles } from './tiles';
import type { HealthDetail, HealthProblem, Me, ProbeEventList, ProbeSeries, ProbesSummary } from './types';

/** Connections, decisions and tiles: a decision made elsewhere shows within this. */
const LIVE_MS = 10_000;
/** Chart, incidents and problems: every 6th poll (a minute, the probe's own period). */
const SLOW_EVERY = 6;
/** After failed polls the pause doubles, up to this. */
const MAX_PAUSE_MS = 5 * 60_000;
const RANGES = ['1h', '6h', '24h', '7d', '30d'];

/** Tried in this order until one has data, while the person has not picked a range themselves. */
const AUTO_RANGES = ['24h', '1h', '6h', '7d', '30d'];

const state = {
  target: '',
  /** True while the chart's target was chosen by the page, not by the person (tile, list, link). */
  targetAuto: true,
  range: '24h',
  /** Until the person picks a range, the page looks for one that has something to draw. */
  autoRange: true,
  me: undefined as Me | undefined,
};

/** The latest probe summary (for the overview line); undefined when it is not available. */
let summary: ProbesSummary | undefined;

/** "2 of 4 endpoints up, 1 waiting for approval, 1 rejected": the page's first line. */
function showOverview(): void {
  const line = summary === undefined ? null : overviewLine(summary);
  const element = byId('overview');
  element.hidden = line === null;
  element.textContent = line ?? '';
}

const canvas = () => byId<HTMLCanvasElement>('latency-chart');
const auditTrail = auditView();
const connections = connectionsView({
  onDecided: async () => {
    await reloadDecisions();
    void loadProblems();
  },
  onPending: showWaiting,
});

/** "N connections wait for you": the first thing an approver needs, linked to the table. */
function showWaiting(pending: number | null): void {
  const element = byId('waiting');
  element.hidden = pending === null || pending === 0;
  if (pending === null || pending === 0) return;
  const approver = state.me?.permissions.approve === true;
  const noun = pending === 1 ? 'connection waits' : 'connections wait';
  byId('waiting-link').textContent = `${pending} ${noun} for ${approver ? 'you' : 'an approver'}`;
}

const FEATURE_NAMES: Record<string, string> = {
  approval: 'Approval',
  api: 'API',
  probe: 'Probe',
  notify: 'Notifications',
  telemetry: 'Availability telemetry',
  entitlement: 'Entitlement check',
  functions: 'Functions',
};

/**
 * Problems people must see where they look: invalid settings, policy or targets, an ARM that
 * cannot be reached (for example no credential), and reconciliation runs that fail or have stopped.
 * The first issues of each, and where the rest is.
 */
async function loadProblems(): Promise<void> {
  const result = await getJson<HealthDetail>('health');
  const element = byId('problems');
  // An unhealthy app answers 503 with the same report. Anonymous health has no features: nothing to show then.
  const body = result.ok
    ? result.body
    : result.status === 503
      ? (result.problem as unknown as HealthDetail)
      : null;
  showFastPath(body?.eventFastPath?.line);
  showManagedServices(body?.features?.approval?.detail);
  const items: HTMLElement[] = [];
  for (const [name, feature] of Object.entries(body?.features ?? {})) {
    if (feature.problem !== undefined)
      items.push(problemItem(name, FEATURE_NAMES[name] ?? name, feature.problem));
    if (feature.reconciliation?.problem !== undefined)
      items.push(problemItem(`${name}.reconciliation`, 'Reconciliation', feature.reconciliation.problem));
  }
  for (const dependency of body?.dependencies ?? []) {
    if (dependency.status !== 'down') continue;
    items.push(
      h(
        'li',
        { 'data-problem': dependency.name },
        h('strong', {}, `${dependency.name === 'arm' ? 'Azure Resource Manager' : dependency.name}: `),
        `unavailable${dependency.reason === undefined ? '' : ` (${dependency.reason})`}.`,
      ),
    );
  }
  element.hidden = items.length === 0;
  if (items.length === 0) return;
  replaceChildren(
    element,
    h('p', { class: 'strong' }, 'Something needs fixing before everything works:'),
    h('ul', {}, ...items),
    h(
      'p',
      { class: 'small' },
      'The full list, with every path: ',
      h('a', { href: 'health' }, 'GET /api/health'),
      ' (as a reader), and the app log.',
    ),
  );
}

/** One banner line: what is wrong, its first issues by path, and how many more there are. */
function problemItem(key: string, label: string, problem: HealthProblem): HTMLElement {
  const more = problem.issueCount - problem.issues.length;
  return h(
    'li',
    { 'data-problem': key },
    h('strong', {}, `${label}: `),
    problem.message,
    h('ul', {}, ...problem.issues.map((i) => h('li', {}, h('code', {}, i.path), ` ${i.message}`))),
    more > 0 ? h('span', { class: 'small' }, `…and ${more} more.`) : null,
  );
}

/** Whether new connections arrive by Event Grid or only by reconciliation: what only a real tenant can tell. */
function showFastPath(line: string | undefined): void {
  const element = byId('fast-path');
  element.hidden = line === undefined;
  element.textContent = line ?? '';
}

function showManagedServices(detail: Readonly<Record<string, string | number>> | undefined): void {
  const line = managedServicesLine(detail);
  const element = byId('managed-services');
  element.hidden = line === undefined;
  element.textContent = line ?? '';
}

function banner(text: string | null): void {
  const element = byId('banner');
  element.hidden = text === null;
  element.textContent = text ?? '';
}

async function loadMe(): Promise<boolean> {
  const result = await getJson<Me>('me');
  const who = byId('who');
  if (!result.ok) {
    if (result.status === 401 || result.status === 403) {
      banner(`You cannot read this dashboard: ${describeProblem(result)}`);
      return false;
    }
    // An app without the /me route still shows probe data; decisions then stay read-only.
    who.textContent = '';
    return true;
  }
  state.me = result.body;
  replaceChildren(
    who,
    h('span', { class: 'who-name' }, result.body.name),
    h(
      'span',
      { class: `badge ${result.body.permissions.approve ? 'role-approver' : 'role-reader'}` },
      result.body.permissions.approve ? 'approver' : 'reader',
    ),
  );
  return true;
}

async function loadSummary(): Promise<boolean> {
  const result = await getLive<ProbesSummary>('probes/summary');
  const tiles = byId('tiles');
  if (!result.ok) {
    replaceChildren(
      tiles,
      h(
        'p',
        { class: 'muted', 'data-unavailable': 'true' },
        `Probe status not available: ${describeProblem(result)}`,
      ),
    );
    summary = undefined;
    showOverview();
    return false;
  }
  byId('updated').textContent = `updated ${utcTime(new Date().toISOString())}`;
  showReportLinks(result.body);
  // Unchanged (304): the tiles stay as they are, with whatever has the focus.
  if (result.changed === false && tiles.querySelector('.tile') !== null) return true;
  summary = result.body;
  showOverview();
  renderTiles(
    tiles,
    result.body,
    (id) => {
      selectTarget(id);
      byId('latency').scrollIntoView({ behavior: 'smooth', block: 'start' });
    },
    state.target === '' ? undefined : state.target,
  );
  const select = byId<HTMLSelectElement>('series-target');
  state.target = chartTarget(result.body.targets, state.target, !state.targetAuto);
  markTile(tiles, state.target, false);
  replaceChildren(
    select,
    ...result.body.targets.map((t) =>
      h('option', { value: t.id, selected: t.id === state.target }, t.displayName ?? t.id),
    ),
  );
  return true;
}

/**
 * The monthly SLO report (this UTC month so far) as JSON and CSV, for a consumer to hand to the
 * provider. Rebuilt only when the month changes, so a poll never takes the focus off a link.
 */
function showReportLinks(body: ProbesSummary): void {
  const element = byId('slo-report');
  element.hidden = body.targets.length === 0;
  const month = reportMonth(new Date());
  if (element.dataset.month === month) return;
  element.dataset.month = month;
  const links = reportLinks(month, functionKey);
  replaceChildren(
    element,
    `Monthly SLO report for ${month} (UTC, so far): `,
    h('a', { href: links.json, 'data-report': 'json' }, 'JSON'),
    ' · ',
    h('a', { href: links.csv, 'data-report': 'csv' }, 'CSV'),
    '. Budgets leave out maintenance and the time a connection was not Approved (docs/probe.md, "Objectives and error budgets").',
  );
}

async function loadSeries(): Promise<void> {
  const note = byId('series-note');
  if (state.target === '') {
    note.textContent = 'No target to chart yet.';
    return;
  }
  let result = await getJson<ProbeSeries>(
    `probes/${encodeURIComponent(state.target)}/series?range=${state.range}`,
  );
  if (!result.ok) {
    note.textContent = `Latency not available: ${describeProblem(result)}`;
    return;
  }
  if (state.autoRange && !hasData(result.body)) {
    for (const range of AUTO_RANGES.filter((r) => r !== state.range)) {
      const candidate = await getJson<ProbeSeries>(
        `probes/${encodeURIComponent(state.target)}/series?range=${range}`,
      );
      if (candidate.ok && hasData(candidate.body)) {
        result = candidate;
        pressRange(range);
        break;
      }
    }
  }
  renderLatencyChart(canvas(), result.body);
  const source =
    result.body.source === 'raw'
      ? 'raw results'
      : `${result.body.source === 'hour' ? 'hourly' : 'daily'} rollups`;
  const runs = result.body.points.reduce((n, p) => n + p.runs, 0);
  note.textContent = `${runs} runs, ${result.body.points.length} buckets of ${bucketText(result.body.bucketSeconds)}, from ${source}. Phases are means of successful runs; markers along the top are failed runs by class.`;
}

/** Something to draw: at least two buckets with runs (one bucket makes a lone point, still better than none). */
function hasData(series: ProbeSeries): boolean {
  return series.points.filter((p) => p.runs > 0).length >= 2;
}

function pressRange(range: string): void {
  state.range = range;
  for (const b of byId('range').querySelectorAll<HTMLButtonElement>('button[data-range]'))
    b.setAttribute('aria-pressed', String(b.dataset.range === range));
}

function bucketText(seconds: number): string {
  return seconds >= 86_400
    ? `${seconds / 86_400} d`
    : seconds >= 3600
      ? `${seconds / 3600} h`
      : `${seconds / 60} min`;
}

async function loadEvents(): Promise<void> {
  const result = await getJson<ProbeEventList>('probes/events?limit=100');
  const list = byId('timeline');
  if (!result.ok) {
    replaceChildren(
      list,
      h(
        'li',
        { class: 'muted', 'data-unavailable': 'true' },
        `Incidents not available: ${describeProblem(result)}`,
      ),
    );
    return;
  }
  renderTimeline(list, result.body);
}

async function reloadDecisions(): Promise<void> {
  await connections.load(state.me, await auditTrail.reload());
}

function selectTarget(id: string): void {
  state.target = id;
  state.targetAuto = false;
  byId<HTMLSelectElement>('series-target').value = id;
  markTile(byId('tiles'), id, false);
  void loadSeries();
}

/** `#target=<id>` (a probe notification's link): that target's tile and chart. */
function showTarget(id: string): void {
  if (!markTile(byId('tiles'), id, true)) {
    byId('series-note').textContent = `The linked target "${id}" is not probed by this app.`;
    return;
  }
  selectTarget(id);
}

function wireControls(): void {
  byId<HTMLSelectElement>('series-target').addEventListener('change', (event) =>
    selectTarget((event.target as HTMLSelectElement).value),
  );
  for (const button of byId('range').querySelectorAll<HTMLButtonElement>('button[data-range]')) {
    button.addEventListener('click', () => {
      const range = button.dataset.range ?? '24h';
      if (!RANGES.includes(range)) return;
      state.autoRange = false;
      pressRange(range);
      void loadSeries();
    });
  }
  byId('refresh').addEventListener('click', () => void refreshAll());
}

async function refreshProbes(): Promise<void> {
  await loadSummary();
  await Promise.all([loadSeries(), loadEvents()]);
}

/** One poll: what changes when people decide (and the tiles); every SLOW_EVERY-th, the rest too. True when the app answered. */
async function poll(tick: number): Promise<boolean> {
  const slow = tick % SLOW_EVERY === 0;
  const [summaryAnswered] = await Promise.all([
    loadSummary(),
    reloadDecisions(),
    slow ? Promise.all([loadSeries(), loadEvents(), loadProblems()]) : undefined,
  ]);
  return summaryAnswered;
}

/**
 * Polls while the page is visible: one poll at a time, the next LIVE_MS after the last ended
 * (doubling after failures, up to MAX_PAUSE_MS); a page coming back into view polls at once.
 */
function keepLive(): void {
  let tick = 0;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  const run = async () => {
    timer = undefined;
    if (running || document.hidden) return;
    running = true;
    try {
      tick += 1;
      failures = (await poll(tick)) ? 0 : failures + 1;
    } finally {
      running = false;
    }
    if (!document.hidden)
      timer = setTimeout(() => void run(), Math.min(LIVE_MS * 2 ** failures, MAX_PAUSE_MS));
  };
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) {
      clearTimeout(timer);
      timer = undefined;
    } else if (timer === undefined) void run();
  });
  timer = setTimeout(() => void run(), LIVE_MS);
}

async function refreshAll(): Promise<void> {
  await Promise.all([refreshProbes(), reloadDecisions(), loadProblems()]);
}

/**
 * A table wider than the screen scrolls sideways; keyboard users can scroll it only if it takes
 * focus, so it does exactly while it overflows (a focus stop that scrolls nothing would be noise).
 */
function keyboardScrollable(ids: readonly string[]): void {
  const update = (element: HTMLElement) => {
    if (element.scrollWidth > element.clientWidth + 1) {
      element.tabIndex = 0;
      // A focus stop needs a name and a role that say what it is.
      element.setAttribute('role', 'region');
      element.setAttribute('aria-label', element.dataset.regionLabel ?? 'Table (scrolls sideways)');
    } else {
      for (const name of ['tabindex', 'role', 'aria-label']) element.removeAttribute(name);
    }
  };
  const observer = new ResizeObserver((entries) => {
    for (const entry of entries) update(entry.target as HTMLElement);
  });
  for (const id of ids) {
    const element = byId(id);
    observer.observe(element);
    new MutationObserver(() => update(element)).observe(element, { childList: true, subtree: true });
  }
}

async function start(): Promise<void> {
  initTheme(() => rethemeLatencyChart(canvas()));
  keyboardScrollable(['connections-body', 'audit-body']);
  wireControls();
  // Probe data does not depend on who is calling; connections do (buttons), so they wait for /me.
  const probes = refreshProbes();
  const audit = auditTrail.reload();
  if (await loadMe()) {
    await Promise.all([probes, audit.then((rows) => connections.load(state.me, rows)), loadProblems()]);
    followDeepLinks({ connection: (ref) => connections.show(ref), target: showTarget });
    keepLive();
  } else {
    await Promise.allSettled([probes, audit]);
  }
  document.body.dataset.ready = 'true';
}

void start();
