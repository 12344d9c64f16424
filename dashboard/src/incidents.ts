import { h, replaceChildren, tableHead } from './dom';
import { duration, ms, relative, utcTime } from './format';
import type { Evidence, ProbeEvent, ProbeEventList } from './types';

/**
 * The incident timeline: every state change, newest first. A change into DOWN or DEGRADED shows
 * how long it lasted (until the target's next change) or that it is ongoing, and each change
 * opens to the probe results that caused it.
 */
export function renderTimeline(list: HTMLElement, events: ProbeEventList): void {
  if (events.items.length === 0) {
    replaceChildren(list, h('li', { class: 'muted' }, 'No state changes in the last 30 days.'));
    return;
  }
  const items = events.items.map((event, index) => entry(event, nextChangeOf(events.items, index)));
  if (events.truncated) items.push(h('li', { class: 'muted' }, 'Older changes are not shown.'));
  replaceChildren(list, ...items);
}

/** The same target's following change (the list is newest first, so it is earlier in the array). */
function nextChangeOf(items: readonly ProbeEvent[], index: number): ProbeEvent | undefined {
  const target = items[index]?.targetId;
  for (let i = index - 1; i >= 0; i--) if (items[i]?.targetId === target) return items[i];
  return undefined;
}

function entry(event: ProbeEvent, next: ProbeEvent | undefined): HTMLElement {
  const bad = event.to === 'DOWN' || event.to === 'DEGRADED';
  const lasted = bad ? (next === undefined ? 'ongoing' : `lasted ${duration(event.at, next.at)}`) : null;
  return h(
    'li',
    { class: `event to-${event.to.toLowerCase()}`, 'data-target': event.targetId },
    h(
      'details',
      {},
      h(
        'summary',
        {},
        h(
          'span',
          { class: 'event-time' },
          utcTime(event.at),
          h('span', { class: 'muted small' }, ` (${relative(event.at)})`),
        ),
        h('span', { class: 'event-target' }, event.displayName ?? event.targetId),
        h('span', { class: `badge state-${event.from.toLowerCase()}` }, event.from),
        ' → ',
        h('span', { class: `badge state-${event.to.toLowerCase()}` }, event.to),
        lasted ? h('span', { class: `event-duration${next === undefined ? ' ongoing' : ''}` }, lasted) : null,
        h('span', { class: 'event-reason' }, event.reason),
      ),
      evidenceTable(event.evidence),
    ),
  );
}

function evidenceTable(evidence: readonly Evidence[]): HTMLElement {
  if (evidence.length === 0) return h('p', { class: 'muted small' }, 'No evidence recorded.');
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'evidence' },
      tableHead('Scheduled', 'Verdict', 'Class', 'Phase', 'Code', 'HTTP', 'Total', 'Attempts', 'Reason'),
      h(
        'tbody',
        {},
        ...evidence.map((e) =>
          h(
            'tr',
            {},
            h('td', {}, utcTime(e.scheduledAt)),
            h('td', {}, h('span', { class: `badge state-${e.status.toLowerCase()}` }, e.status)),
            h('td', {}, e.failureClass ?? '—'),
            h('td', {}, e.phase ?? '—'),
            h('td', {}, e.code ?? '—'),
            h('td', {}, e.statusCode === null ? '—' : e.statusCode),
            h('td', {}, ms(e.totalMs)),
            h('td', {}, e.attempts),
            h(
              'td',
              {},
              [e.reason, e.connectionState && `connection ${e.connectionState}`].filter(Boolean).join('; ') ||
                '—',
            ),
          ),
        ),
      ),
    ),
  );
}
