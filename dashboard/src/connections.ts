/*
 * The managed Private Link Services' connections. Approvers get approve/reject with a reason on
 * the rows where ARM allows it (Pending → Approved/Rejected, Approved → Rejected); everyone else
 * sees no buttons, and the server refuses them anyway.
 */
import { verdictInWords } from '../../shared/approval/core/policy/verdict-words';
import { describeProblem, getJson, isMissingRoute, postJson } from './api';
import { bringForward } from './deep-link';
import { byId, h, replaceChildren, tableHead } from './dom';
import { relative, shortId, utcTime } from './format';
import type { Connection, ConnectionList, DecisionRecord, Me } from './types';

export interface ConnectionsView {
  /** Loads and draws; false when this app has no approval API (a probe-only deployment). */
  load(me: Me | undefined, audit: readonly DecisionRecord[]): Promise<boolean>;
  /**
   * A deep link (`#connection=<id>`): scrolls to the connection's row, highlights it and moves the
   * focus to it; the highlight survives redraws. `ref` is the connection's ARM id (what notifications
   * link), its name, or a Private Link Service id (its first connection).
   */
  show(ref: string): void;
}

const LINKED = 'linked';

export interface ConnectionsEvents {
  /** After a decision: reloads the audit and the table. */
  readonly onDecided: () => Promise<void>;
  /** After each load: how many connections wait for a person (Pending), or null when there is no approval API. */
  readonly onPending: (pending: number | null) => void;
}

export function connectionsView(events: ConnectionsEvents): ConnectionsView {
  const body = byId('connections-body');
  const message = byId('decision-message');
  const section = byId('connections');
  let linked: string | undefined;
  const rows = () => [...body.querySelectorAll<HTMLElement>('tr[data-connection]')];
  const linkedRow = (ref: string) => {
    const key = ref.toLowerCase();
    const all = rows();
    return (
      all.find((r) => r.dataset.connectionId?.toLowerCase() === key) ??
      all.find((r) => r.dataset.connection?.toLowerCase() === key) ??
      all.find((r) => r.dataset.plsId?.toLowerCase() === key)
    );
  };
  return {
    show(ref) {
      linked = ref;
      const row = linkedRow(ref);
      if (row !== undefined) {
        bringForward(row, LINKED, rows());
        return;
      }
      message.hidden = false;
      message.className = 'message';
      message.textContent = `The linked connection is not on the managed Private Link Services (any more): ${ref}`;
    },
    async load(me, audit) {
      const result = await getJson<ConnectionList>('connections?limit=200');
      if (!result.ok) {
        events.onPending(null);
        // A probe-only app has no connections: the section would only push the probe data down.
        section.hidden = isMissingRoute(result);
        replaceChildren(
          body,
          h(
            'p',
            { class: 'muted', 'data-unavailable': 'true' },
            isMissingRoute(result)
              ? 'Not available: this app does not serve the approval API.'
              : `Not available: ${describeProblem(result)}`,
          ),
        );
        return false;
      }
      section.hidden = false;
      events.onPending(result.body.items.filter((c) => c.status === 'Pending').length);
      const canApprove = me?.permissions.approve === true;
      const reasons = lastReasons(audit);
      if (result.body.items.length === 0) {
        replaceChildren(
          body,
          h('p', { class: 'muted' }, 'No private endpoint connections on the managed Private Link Services.'),
        );
        return true;
      }
      replaceChildren(
        body,
        h(
          'table',
          { class: 'connections' },
          tableHead(
            'Connection',
            'Status',
            'Consumer',
            'Request message',
            'Last decision',
            canApprove ? 'Decide' : null,
          ),
          h(
            'tbody',
            {},
            ...result.body.items.map((c) => row(c, reasons.get(c.id.toLowerCase()), canApprove, decide)),
          ),
        ),
      );
      // A redraw keeps the linked row marked (the focus is the decision's to place).
      const again = linked === undefined ? undefined : linkedRow(linked);
      if (again !== undefined) {
        again.classList.add(LINKED);
        again.setAttribute('aria-current', 'true');
      }
      return true;
    },
  };

  async function decide(
    connection: Connection,
    action: 'approve' | 'reject',
    reason: string,
    buttons: readonly HTMLButtonElement[],
  ): Promise<void> {
    for (const b of buttons) b.disabled = true;
    const path = `connections/${encodeURIComponent(connection.pls.name)}/${encodeURIComponent(connection.name)}/${action}`;
    // The ETag read with the table: the server refuses (409 state_changed) if the connection changed since.
    const ifMatch: Record<string, string> =
      typeof connection.etag === 'string' && connection.etag !== '' ? { 'if-match': connection.etag } : {};
    const result = await postJson<{ outcome: string; status: string }>(
      path,
      reason === '' ? {} : { reason },
      ifMatch,
    );
    message.hidden = false;
    if (result.ok) {
      message.className = 'message ok';
      message.textContent = `${action === 'approve' ? 'Approved' : 'Rejected'} ${connection.name}: ${result.body.outcome}, now ${result.body.status}.`;
      await events.onDecided();
    } else if (result.status === 409 && result.problem.code === 'state_changed') {
      message.className = 'message error';
      message.textContent = `${connection.name} changed since this page showed it (someone or the policy decided it meanwhile), so nothing was done. The list has been reloaded: check its current state and decide again if needed.`;
      await events.onDecided();
    } else {
      message.className = 'message error';
      message.textContent = `${connection.name}: ${describeProblem(result)}`;
      for (const b of buttons) b.disabled = false;
    }
    keepFocus(connection.name, message);
  }
}

/**
 * The table is redrawn after a decision, which would drop the focus to the page's top: put it back
 * on the same row (its first control, or the row itself), or on the outcome message when the row is gone.
 */
function keepFocus(connectionName: string, message: HTMLElement): void {
  const row = [...document.querySelectorAll<HTMLElement>('tr[data-connection]')].find(
    (r) => r.dataset.connection === connectionName,
  );
  const control = row?.querySelector<HTMLElement>('input:not([hidden]), button:not([hidden])');
  const target = control ?? row ?? message;
  if (!target.hasAttribute('tabindex') && control === null) target.setAttribute('tabindex', '-1');
  target.focus();
}

/** The reason of each connection's newest effective decision (the list route has actor, rule and time, not the reason). */
function lastReasons(audit: readonly DecisionRecord[]): Map<string, string> {
  const reasons = new Map<string, string>();
  for (const record of audit) {
    const key = record.connectionId.toLowerCase();
    if (
      record.kind === 'outcome' &&
      (record.result === 'succeeded' || record.result === 'dry-run') &&
      !reasons.has(key)
    )
      reasons.set(key, record.reason);
  }
  return reasons;
}

/** Sends a person's decision on a connection, with the buttons to disable while it is under way. */
type Decide = (
  c: Connection,
  action: 'approve' | 'reject',
  reason: string,
  buttons: readonly HTMLButtonElement[],
) => Promise<void>;

function row(c: Connection, reason: string | undefined, canApprove: boolean, decide: Decide): HTMLElement {
  const status = c.status.toLowerCase();
  const decision = c.lastDecision;
  return h(
    'tr',
    {
      'data-connection': c.name,
      'data-connection-id': c.id,
      'data-pls-id': c.pls.id,
      'data-status': c.status,
    },
    h('td', {}, h('div', { class: 'strong' }, c.name), h('div', { class: 'muted small' }, c.pls.name)),
    h('td', {}, h('span', { class: `badge conn-${status}` }, c.status)),
    h(
      'td',
      {},
      h('div', { title: c.consumerSubscriptionId ?? '' }, `sub ${shortId(c.consumerSubscriptionId)}`),
      h(
        'div',
        { class: 'muted small', title: c.consumerTenantId ?? '' },
        `tenant ${shortId(c.consumerTenantId)}`,
      ),
    ),
    h(
      'td',
      { class: 'message-cell' },
      c.requestMessage ?? '—',
      c.policyVerdict
        ? // People read the verdict in words; the rule trace stays in the API and in the tooltip.
          h(
            'div',
            { class: 'muted small', title: c.policyVerdict.reason },
            `policy: ${c.policyVerdict.action} — ${verdictInWords(c.policyVerdict.reason)}`,
          )
        : null,
    ),
    h(
      'td',
      {},
      decision === null
        ? '—'
        : h(
            'div',
            {},
            h(
              'div',
              {},
              `${decision.actor.kind === 'policy' ? 'policy' : decision.actor.name}${decision.rule ? ` · rule ${decision.rule}` : ''}`,
            ),
            reason ? h('div', { class: 'small', title: reason }, verdictInWords(reason)) : null,
            h('div', { class: 'muted small', title: utcTime(decision.at) }, relative(decision.at)),
          ),
    ),
    canApprove ? h('td', {}, actions(c, decide)) : null,
  );
}

function actions(c: Connection, decide: Decide): HTMLElement | string {
  const canApprove = c.status === 'Pending';
  const canReject = c.status === 'Pending' || c.status === 'Approved';
  if (!canApprove && !canReject)
    return c.status === 'Rejected' ? 'final (the consumer must recreate the endpoint)' : '—';
  const reason = h('input', {
    type: 'text',
    maxlength: '140',
    placeholder: 'reason (required to reject)',
    'aria-label': `Reason for ${c.name}`,
  });
  const approve = h('button', { type: 'button', class: 'approve', 'data-action': 'approve' }, 'Approve');
  const reject = h('button', { type: 'button', class: 'reject', 'data-action': 'reject' }, 'Reject');
  const buttons = [approve, reject];
  approve.hidden = !canApprove;
  reject.hidden = !canReject;
  approve.addEventListener('click', () => void decide(c, 'approve', reason.value.trim(), buttons));
  // Rejecting is final in ARM (Rejected never becomes Approved again), so it asks once more.
  const confirmReject = h(
    'button',
    { type: 'button', class: 'reject', 'data-action': 'confirm-reject' },
    'Reject for good',
  );
  const cancel = h('button', { type: 'button', class: 'ghost', 'data-action': 'cancel-reject' }, 'Cancel');
  const confirmation = h(
    'div',
    { class: 'confirm', role: 'group', 'aria-label': `Confirm rejecting ${c.name}` },
    h('span', { class: 'small' }, 'Final: the consumer must recreate the endpoint.'),
    confirmReject,
    cancel,
  );
  confirmation.hidden = true;
  const showConfirmation = (shown: boolean) => {
    confirmation.hidden = !shown;
    approve.hidden = shown || !canApprove;
    reject.hidden = shown;
    (shown ? confirmReject : reject).focus();
  };
  reject.addEventListener('click', () => {
    if (reason.value.trim() === '') {
      reason.focus();
      reason.setCustomValidity('A reason is required to reject.');
      reason.reportValidity();
      return;
    }
    showConfirmation(true);
  });
  cancel.addEventListener('click', () => showConfirmation(false));
  confirmReject.addEventListener(
    'click',
    () => void decide(c, 'reject', reason.value.trim(), [...buttons, confirmReject, cancel]),
  );
  reason.addEventListener('input', () => reason.setCustomValidity(''));
  return h('div', { class: 'decide' }, reason, approve, reject, confirmation);
}
