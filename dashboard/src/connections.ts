import { describeProblem, getJson, isMissingRoute, postJson } from './api';
import { byId, h, replaceChildren } from './dom';
import { relative, shortId, utcTime } from './format';
import type { Connection, ConnectionList, DecisionRecord, Me } from './types';

/**
 * The managed Private Link Services' connections. Approvers get approve/reject with a reason on
 * the rows where ARM allows it (Pending → Approved/Rejected, Approved → Rejected); everyone else
 * sees no buttons, and the server refuses them anyway.
 */

export interface ConnectionsView {
  /** Loads and draws; false when this app has no approval API (a probe-only deployment). */
  load(me: Me | undefined, audit: readonly DecisionRecord[]): Promise<boolean>;
}

export function connectionsView(onDecided: () => Promise<void>): ConnectionsView {
  const body = byId('connections-body');
  const message = byId('decision-message');
  return {
    async load(me, audit) {
      const result = await getJson<ConnectionList>('connections?limit=200');
      if (!result.ok) {
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
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...[
                'Connection',
                'Status',
                'Consumer',
                'Request message',
                'Last decision',
                canApprove ? 'Decide' : null,
              ]
                .filter((c) => c !== null)
                .map((c) => h('th', {}, c)),
            ),
          ),
          h(
            'tbody',
            {},
            ...result.body.items.map((c) => row(c, reasons.get(c.id.toLowerCase()), canApprove, decide)),
          ),
        ),
      );
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
    const result = await postJson<{ outcome: string; status: string }>(path, reason === '' ? {} : { reason });
    message.hidden = false;
    if (result.ok) {
      message.className = 'message ok';
      message.textContent = `${action === 'approve' ? 'Approved' : 'Rejected'} ${connection.name}: ${result.body.outcome}, now ${result.body.status}.`;
      await onDecided();
    } else {
      message.className = 'message error';
      message.textContent = `${connection.name}: ${describeProblem(result)}`;
      for (const b of buttons) b.disabled = false;
    }
  }
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

function row(
  c: Connection,
  reason: string | undefined,
  canApprove: boolean,
  decide: (
    c: Connection,
    action: 'approve' | 'reject',
    reason: string,
    buttons: readonly HTMLButtonElement[],
  ) => Promise<void>,
): HTMLElement {
  const status = c.status.toLowerCase();
  const decision = c.lastDecision;
  return h(
    'tr',
    { 'data-connection': c.name, 'data-status': c.status },
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
        ? h('div', { class: 'muted small' }, `policy: ${c.policyVerdict.action} — ${c.policyVerdict.reason}`)
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
            reason ? h('div', { class: 'small' }, reason) : null,
            h('div', { class: 'muted small', title: utcTime(decision.at) }, relative(decision.at)),
          ),
    ),
    canApprove ? h('td', {}, actions(c, decide)) : null,
  );
}

function actions(
  c: Connection,
  decide: (
    c: Connection,
    action: 'approve' | 'reject',
    reason: string,
    buttons: readonly HTMLButtonElement[],
  ) => Promise<void>,
): HTMLElement | string {
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
  reject.addEventListener('click', () => {
    if (reason.value.trim() === '') {
      reason.focus();
      reason.setCustomValidity('A reason is required to reject.');
      reason.reportValidity();
      return;
    }
    void decide(c, 'reject', reason.value.trim(), buttons);
  });
  reason.addEventListener('input', () => reason.setCustomValidity(''));
  return h('div', { class: 'decide' }, reason, approve, reject);
}
