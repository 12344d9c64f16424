import './dashboard.css';
import { describeProblem, getJson } from './api';
import { auditView } from './audit';
import { connectionsView } from './connections';
import { byId, h, replaceChildren } from './dom';
import { utcTime } from './format';
import { renderTimeline } from './incidents';
import { renderLatencyChart, rethemeLatencyChart } from './latency-chart';
import { initTheme } from './theme';
import { renderTiles } from './tiles';
import type { Me, ProbeEventList, ProbeSeries, ProbesSummary } from './types';

/**
 * The dashboard page: who is calling, then status tiles, the latency chart, the incident timeline,
 * connections and the audit trail, each from its JSON route. Probe data refreshes every minute
 * (the probe's own period); connections and the audit reload on demand and after a decision.
 */

const REFRESH_MS = 60_000;
const RANGES = ['1h', '6h', '24h', '7d', '30d'];

const state = { target: '', range: '24h', me: undefined as Me | undefined };

const canvas = () => byId<HTMLCanvasElement>('latency-chart');
const auditTrail = auditView();
const connections = connectionsView(async () => {
  await reloadDecisions();
});

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
    result.body.name,
    h(
      'span',
      { class: `badge ${result.body.permissions.approve ? 'role-approver' : 'role-reader'}` },
      result.body.permissions.approve ? 'approver' : 'reader',
    ),
  );
  return true;
}

async function loadSummary(): Promise<void> {
  const result = await getJson<ProbesSummary>('probes/summary');
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
    return;
  }
  renderTiles(tiles, result.body, (id) => {
    selectTarget(id);
    byId('latency').scrollIntoView({ behavior: 'smooth', block: 'start' });
  });
  const select = byId<HTMLSelectElement>('series-target');
  const ids = result.body.targets.map((t) => t.id);
  if (state.target === '' || !ids.includes(state.target)) state.target = ids[0] ?? '';
  replaceChildren(
    select,
    ...result.body.targets.map((t) =>
      h('option', { value: t.id, selected: t.id === state.target }, t.displayName ?? t.id),
    ),
  );
  byId('updated').textContent = `updated ${utcTime(result.body.generatedAt)}`;
}

async function loadSeries(): Promise<void> {
  const note = byId('series-note');
  if (state.target === '') {
    note.textContent = 'No target to chart yet.';
    return;
  }
  const result = await getJson<ProbeSeries>(
    `probes/${encodeURIComponent(state.target)}/series?range=${state.range}`,
  );
  if (!result.ok) {
    note.textContent = `Latency not available: ${describeProblem(result)}`;
    return;
  }
  renderLatencyChart(canvas(), result.body);
  const source =
    result.body.source === 'raw'
      ? 'raw results'
      : `${result.body.source === 'hour' ? 'hourly' : 'daily'} rollups`;
  const runs = result.body.points.reduce((n, p) => n + p.runs, 0);
  note.textContent = `${runs} runs, ${result.body.points.length} buckets of ${bucketText(result.body.bucketSeconds)}, from ${source}. Phases are means of successful runs; markers along the top are failed runs by class.`;
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
  byId<HTMLSelectElement>('series-target').value = id;
  void loadSeries();
}

function wireControls(): void {
  byId<HTMLSelectElement>('series-target').addEventListener('change', (event) =>
    selectTarget((event.target as HTMLSelectElement).value),
  );
  for (const button of byId('range').querySelectorAll<HTMLButtonElement>('button[data-range]')) {
    button.addEventListener('click', () => {
      const range = button.dataset.range ?? '24h';
      if (!RANGES.includes(range)) return;
      state.range = range;
      for (const b of byId('range').querySelectorAll('button'))
        b.setAttribute('aria-pressed', String(b === button));
      void loadSeries();
    });
  }
  byId('refresh').addEventListener('click', () => void refreshAll());
}

async function refreshProbes(): Promise<void> {
  await loadSummary();
  await Promise.all([loadSeries(), loadEvents()]);
}

async function refreshAll(): Promise<void> {
  await Promise.all([refreshProbes(), reloadDecisions()]);
}

async function start(): Promise<void> {
  initTheme(() => rethemeLatencyChart(canvas()));
  wireControls();
  // Probe data does not depend on who is calling; connections do (buttons), so they wait for /me.
  const probes = refreshProbes();
  const audit = auditTrail.reload();
  if (await loadMe()) {
    await Promise.all([probes, audit.then((rows) => connections.load(state.me, rows))]);
    setInterval(() => void refreshProbes(), REFRESH_MS);
  } else {
    await Promise.allSettled([probes, audit]);
  }
  document.body.dataset.ready = 'true';
}

void start();
