import { describeProblem, getJson, getLive, isMissingRoute } from './api';
import { byId, h, replaceChildren, tableHead } from './dom';
import { utcTime } from './format';
import type { DecisionList, DecisionRecord } from './types';

/**
 * The audit trail (GET /api/decisions, newest first), filterable by text, action and result in
 * the page, with "Load older" following the continuation token. Reloads (every live poll) ask for
 * the newest page conditionally: unchanged, nothing is redrawn; changed, the new rows go on top of
 * what the person has already paged through.
 */
export interface AuditView {
  /** Reloads from the newest; resolves to the rows loaded (empty when unavailable). */
  reload(): Promise<readonly DecisionRecord[]>;
}

export function auditView(): AuditView {
  const body = byId('audit-body');
  const more = byId<HTMLButtonElement>('audit-more');
  const search = byId<HTMLInputElement>('audit-search');
  const action = byId<HTMLSelectElement>('audit-action');
  const result = byId<HTMLSelectElement>('audit-result');
  let rows: DecisionRecord[] = [];
  let token: string | null = null;
  /** Whether the person has loaded older pages (a reload then keeps them below the newest). */
  let pagedBack = false;
  const rowKey = (r: DecisionRecord) => `${r.kind}|${r.decisionId}|${r.at}`;

  const draw = () => {
    const text = search.value.trim().toLowerCase();
    const shown = rows.filter(
      (r) =>
        (action.value === '' || r.action === action.value) &&
        (result.value === '' || r.result === result.value) &&
        (text === '' ||
          [
            r.connectionName,
            r.pls.name,
            r.actor.name,
            r.rule ?? '',
            r.reason,
            r.requestMessage ?? '',
            r.consumerTenantId ?? '',
          ]
            .join(' ')
            .toLowerCase()
            .includes(text)),
    );
    more.hidden = token === null;
    if (shown.length === 0) {
      replaceChildren(
        body,
        h(
          'p',
          { class: 'muted' },
          rows.length === 0 ? 'No decisions in the last 30 days.' : 'No row matches the filters.',
        ),
      );
      return;
    }
    replaceChildren(
      body,
      h(
        'table',
        // On a phone each row is a card (dashboard.css), so Actor and Reason are not off to the right.
        { class: 'audit cards' },
        tableHead('Time', 'Connection', 'Kind', 'Action', 'Result', 'Actor', 'Rule', 'Reason', 'Trigger'),
        h(
          'tbody',
          {},
          ...shown.map((r) =>
            h(
              'tr',
              { 'data-kind': r.kind, 'data-action': r.action },
              h('td', { 'data-label': 'Time' }, utcTime(r.at)),
              h(
                'td',
                { 'data-label': 'Connection' },
                h('div', {}, r.connectionName),
                h('div', { class: 'muted small' }, r.pls.name),
              ),
              h('td', { 'data-label': 'Kind' }, r.kind),
              h('td', { 'data-label': 'Action' }, r.action),
              h(
                'td',
                { 'data-label': 'Result' },
                r.result ?? '—',
                r.statusAfter ? h('div', { class: 'muted small' }, `→ ${r.statusAfter}`) : null,
              ),
              h('td', { 'data-label': 'Actor' }, r.actor.name),
              h('td', { 'data-label': 'Rule' }, r.rule ?? '—'),
              h(
                'td',
                { class: 'message-cell', 'data-label': 'Reason' },
                r.reason,
                r.resultDetail ? h('div', { class: 'muted small' }, r.resultDetail) : null,
              ),
              h(
                'td',
                { 'data-label': 'Trigger' },
                `${r.trigger}${r.mode === 'enforce' ? '' : ` (${r.mode})`}`,
              ),
            ),
          ),
        ),
      ),
    );
  };

  const fetchPage = async (continuation: string | null): Promise<boolean> => {
    const query = new URLSearchParams({ limit: '100' });
    if (continuation !== null) query.set('continuationToken', continuation);
    const path = `decisions?${query.toString()}`;
    const page =
      continuation === null ? await getLive<DecisionList>(path) : await getJson<DecisionList>(path);
    if (!page.ok) {
      token = null;
      pagedBack = false;
      more.hidden = true;
      replaceChildren(
        body,
        h(
          'p',
          { class: 'muted', 'data-unavailable': 'true' },
          isMissingRoute(page)
            ? 'Not available: this app does not serve the approval API.'
            : `Not available: ${describeProblem(page)}`,
        ),
      );
      return false;
    }
    if (continuation !== null) {
      rows = [...rows, ...page.body.items];
      token = page.body.continuationToken;
      pagedBack = true;
    } else if (page.changed === false && body.querySelector('[data-unavailable]') === null) {
      return true;
    } else if (pagedBack) {
      const fresh = new Set(page.body.items.map(rowKey));
      rows = [...page.body.items, ...rows.filter((r) => !fresh.has(rowKey(r)))];
    } else {
      rows = [...page.body.items];
      token = page.body.continuationToken;
    }
    draw();
    return true;
  };

  for (const control of [search, action, result]) control.addEventListener('input', draw);
  more.addEventListener('click', () => void fetchPage(token));

  return {
    async reload() {
      return (await fetchPage(null)) ? rows : [];
    },
  };
}
