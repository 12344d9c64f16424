import { describeProblem, getJson, isMissingRoute } from './api';
import { byId, h, replaceChildren, tableHead } from './dom';
import { utcTime } from './format';
import type { DecisionList, DecisionRecord } from './types';

/**
 * The audit trail (GET /api/decisions, newest first), filterable by text, action and result in
 * the page, with "Load older" following the continuation token.
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
            r.customer ?? '',
            r.onboardingCode ?? '',
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
        { class: 'audit' },
        tableHead('Time', 'Connection', 'Kind', 'Action', 'Result', 'Actor', 'Rule', 'Reason', 'Trigger'),
        h(
          'tbody',
          {},
          ...shown.map((r) =>
            h(
              'tr',
              { 'data-kind': r.kind, 'data-action': r.action },
              h('td', {}, utcTime(r.at)),
              h('td', {}, h('div', {}, r.connectionName), h('div', { class: 'muted small' }, r.pls.name)),
              h('td', {}, r.kind),
              h('td', {}, r.action),
              h(
                'td',
                {},
                r.result ?? '—',
                r.statusAfter ? h('div', { class: 'muted small' }, `→ ${r.statusAfter}`) : null,
              ),
              h('td', {}, r.actor.name),
              h('td', {}, r.rule ?? '—'),
              h(
                'td',
                { class: 'message-cell' },
                r.reason,
                r.resultDetail ? h('div', { class: 'muted small' }, r.resultDetail) : null,
              ),
              h('td', {}, `${r.trigger}${r.mode === 'enforce' ? '' : ` (${r.mode})`}`),
            ),
          ),
        ),
      ),
    );
  };

  const fetchPage = async (continuation: string | null): Promise<boolean> => {
    const query = new URLSearchParams({ limit: '100' });
    if (continuation !== null) query.set('continuationToken', continuation);
    const page = await getJson<DecisionList>(`decisions?${query.toString()}`);
    if (!page.ok) {
      token = null;
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
    rows = continuation === null ? [...page.body.items] : [...rows, ...page.body.items];
    token = page.body.continuationToken;
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
