/*
 * The managed Private Link Services' connections. Approvers get approve/reject with a reason on
 * the rows where ARM allows it (Pending → Approved/Rejected, Approved → Rejected), and the same for
 * several rows at once with one reason (one API call, and so one audit trail entry, per
 * connection); everyone else sees no buttons, and the server refuses them anyway.
 *
 * The list is polled (main.ts): a redraw keeps what the person was doing (a typed reason, an open
 * confirmation, the selection, the focus), so a page left open stays usable while others decide.
 */
import { describeProblem, getLive, isMissingRoute, postJson } from './api';
import { bringForward } from './deep-link';
import { byId, type Child, h, replaceChildren, tableHead } from './dom';
import { relative, shortId, utcTime } from './format';
import type { Connection, ConnectionList, DecisionRecord, Me } from './types';

export interface ConnectionsView {
  /**
   * Loads (a conditional GET: nothing is redrawn when the list did not change) and draws; false when
   * this app has no approval API (a probe-only deployment) or the list is not available.
   */
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

type Action = 'approve' | 'reject';

/** What a person is doing on the list, kept across redraws. */
interface WorkState {
  /** Reasons typed per connection id (lower case). */
  readonly drafts: Map<string, string>;
  /** Connections whose "Reject for good" confirmation is open. */
  readonly confirming: Set<string>;
  /** Connections ticked for a bulk decision. */
  readonly selected: Set<string>;
  /** Connections with a decision under way (their controls are disabled). */
  readonly busy: Set<string>;
}

const keyOf = (c: Pick<Connection, 'id'>) => c.id.toLowerCase();
const canApproveStatus = (status: string) => status === 'Pending';
const canRejectStatus = (status: string) => status === 'Pending' || status === 'Approved';

export function connectionsView(events: ConnectionsEvents): ConnectionsView {
  const body = byId('connections-body');
  const message = byId('decision-message');
  const section = byId('connections');
  const tools = byId('connections-tools');
  const bulk = byId('bulk');
  const filters = {
    search: byId<HTMLInputElement>('conn-search'),
    service: byId<HTMLSelectElement>('conn-service'),
    status: byId<HTMLSelectElement>('conn-status'),
    customer: byId<HTMLSelectElement>('conn-customer'),
    customerLabel: byId('conn-customer-label'),
  };
  const bulkControls = {
    all: byId<HTMLInputElement>('bulk-all'),
    count: byId('bulk-count'),
    reason: byId<HTMLInputElement>('bulk-reason'),
    approve: byId<HTMLButtonElement>('bulk-approve'),
    reject: byId<HTMLButtonElement>('bulk-reject'),
    confirm: byId('bulk-confirm'),
    confirmText: byId('bulk-confirm-text'),
    confirmReject: byId<HTMLButtonElement>('bulk-confirm-reject'),
    cancel: byId<HTMLButtonElement>('bulk-cancel'),
  };
  const work: WorkState = { drafts: new Map(), confirming: new Set(), selected: new Set(), busy: new Set() };
  let items: readonly Connection[] = [];
  let reasons = new Map<string, string>();
  let canDecide = false;
  let linked: string | undefined;
  /** Whether the list on screen is the one in `items` (not a placeholder or an error). */
  let drawn = false;

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

  const shown = (): Connection[] => {
    const text = filters.search.value.trim().toLowerCase();
    return items.filter(
      (c) =>
        (filters.service.value === '' || c.pls.name === filters.service.value) &&
        (filters.status.value === '' || c.status === filters.status.value) &&
        (filters.customer.value === '' || c.customer === filters.customer.value) &&
        (text === '' || searchText(c, reasons.get(keyOf(c))).includes(text)),
    );
  };

  /** Options of a filter from the values present, keeping the current choice even when it vanished. */
  const fillOptions = (select: HTMLSelectElement, values: readonly string[], all: string) => {
    const current = select.value;
    const options = [...new Set(values)].sort((a, b) => a.localeCompare(b));
    if (current !== '' && !options.includes(current)) options.unshift(current);
    replaceChildren(
      select,
      h('option', { value: '' }, all),
      ...options.map((v) => h('option', { value: v, selected: v === current }, v)),
    );
  };

  const draw = () => {
    drawn = true;
    const focus = focusedControl(body);
    const visible = shown();
    if (items.length === 0) {
      tools.hidden = true;
      bulk.hidden = true;
      replaceChildren(
        body,
        h('p', { class: 'muted' }, 'No private endpoint connections on the managed Private Link Services.'),
      );
      return;
    }
    tools.hidden = false;
    const context: RowContext = { canDecide, work, reasons, decide, redraw: draw };
    replaceChildren(
      body,
      visible.length === items.length
        ? null
        : h(
            'p',
            { class: 'muted small', 'data-shown': String(visible.length) },
            `${visible.length} of ${items.length} connections match the filters.`,
          ),
      visible.length === 0
        ? h('p', { class: 'muted' }, 'No connection matches the filters.')
        : h(
            'table',
            { class: 'connections cards' },
            tableHead(
              canDecide ? 'Select' : null,
              'Connection',
              'Status',
              'Consumer',
              'Request message',
              'Last decision',
              canDecide ? 'Decide' : null,
            ),
            h('tbody', {}, ...visible.map((c) => row(c, context))),
          ),
    );
    drawBulk(visible);
    // A redraw keeps the linked row marked (the focus is the decision's to place).
    const again = linked === undefined ? undefined : linkedRow(linked);
    if (again !== undefined) {
      again.classList.add(LINKED);
      again.setAttribute('aria-current', 'true');
    }
    restoreFocus(body, focus);
  };

  /** The bulk bar: how many are ticked, and what each button would do to them. */
  const drawBulk = (visible: readonly Connection[]) => {
    bulk.hidden = !canDecide;
    if (!canDecide) return;
    const chosen = selectedItems();
    const decidable = visible.filter((c) => canRejectStatus(c.status));
    bulkControls.all.checked = decidable.length > 0 && decidable.every((c) => work.selected.has(keyOf(c)));
    bulkControls.all.disabled = decidable.length === 0;
    const approvable = chosen.filter((c) => canApproveStatus(c.status)).length;
    bulkControls.count.textContent = `${chosen.length} selected`;
    bulkControls.approve.textContent = `Approve ${approvable}`;
    bulkControls.reject.textContent = `Reject ${chosen.length}`;
    bulkControls.approve.disabled = approvable === 0;
    bulkControls.reject.disabled = chosen.length === 0;
    if (chosen.length === 0) showBulkConfirmation(false);
  };

  /** Ticked connections that still exist and can still be decided (someone may have decided meanwhile). */
  const selectedItems = () => items.filter((c) => work.selected.has(keyOf(c)) && canRejectStatus(c.status));

  const showBulkConfirmation = (open: boolean) => {
    bulkControls.confirm.hidden = !open;
    bulkControls.approve.hidden = open;
    bulkControls.reject.hidden = open;
    if (open) {
      const count = selectedItems().length;
      bulkControls.confirmText.textContent = `Final for ${count} connection${count === 1 ? '' : 's'}: each consumer must recreate its endpoint.`;
      bulkControls.confirmReject.textContent = `Reject ${count} for good`;
    }
  };

  for (const control of [filters.search, filters.service, filters.status, filters.customer])
    control.addEventListener('input', draw);
  bulkControls.all.addEventListener('change', () => {
    for (const c of shown().filter((c) => canRejectStatus(c.status))) {
      if (bulkControls.all.checked) work.selected.add(keyOf(c));
      else work.selected.delete(keyOf(c));
    }
    draw();
  });
  bulkControls.reason.addEventListener('input', () => bulkControls.reason.setCustomValidity(''));
  bulkControls.approve.addEventListener('click', () => void decideMany('approve'));
  bulkControls.reject.addEventListener('click', () => {
    if (!requireReason(bulkControls.reason)) return;
    showBulkConfirmation(true);
    bulkControls.confirmReject.focus();
  });
  bulkControls.cancel.addEventListener('click', () => {
    showBulkConfirmation(false);
    bulkControls.reject.focus();
  });
  bulkControls.confirmReject.addEventListener('click', () => void decideMany('reject'));

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
      const result = await getLive<ConnectionList>('connections?limit=200');
      if (!result.ok) {
        events.onPending(null);
        // A probe-only app has no connections: the section would only push the probe data down.
        section.hidden = isMissingRoute(result);
        tools.hidden = true;
        bulk.hidden = true;
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
        items = [];
        drawn = false;
        return false;
      }
      section.hidden = false;
      const decider = me?.permissions.approve === true;
      const newReasons = lastReasons(audit);
      const same =
        drawn && result.changed === false && decider === canDecide && sameReasons(reasons, newReasons);
      items = result.body.items;
      canDecide = decider;
      reasons = newReasons;
      events.onPending(items.filter((c) => c.status === 'Pending').length);
      // Nothing new (a 304, the same reasons): no redraw, so nothing the person does is disturbed.
      if (same) return true;
      forgetGone(work, items);
      fillOptions(
        filters.service,
        items.map((c) => c.pls.name),
        'all',
      );
      const customers = items.flatMap((c) =>
        typeof c.customer === 'string' && c.customer !== '' ? [c.customer] : [],
      );
      fillOptions(filters.customer, customers, 'all');
      filters.customerLabel.hidden = customers.length === 0 && filters.customer.value === '';
      draw();
      return true;
    },
  };

  async function post(connection: Connection, action: Action, reason: string) {
    const path = `connections/${encodeURIComponent(connection.pls.name)}/${encodeURIComponent(connection.name)}/${action}`;
    // The ETag read with the table: the server refuses (409 state_changed) if the connection changed since.
    const ifMatch: Record<string, string> =
      typeof connection.etag === 'string' && connection.etag !== '' ? { 'if-match': connection.etag } : {};
    return postJson<{ outcome: string; status: string }>(path, reason === '' ? {} : { reason }, ifMatch);
  }

  async function decide(connection: Connection, action: Action, reason: string): Promise<void> {
    const key = keyOf(connection);
    work.busy.add(key);
    draw();
    const result = await post(connection, action, reason);
    work.busy.delete(key);
    message.hidden = false;
    if (result.ok) {
      work.confirming.delete(key);
      work.drafts.delete(key);
      work.selected.delete(key);
      message.className = 'message ok';
      message.textContent = `${action === 'approve' ? 'Approved' : 'Rejected'} ${connection.name}: ${result.body.outcome}, now ${result.body.status}.`;
      await events.onDecided();
    } else if (result.status === 409 && result.problem.code === 'state_changed') {
      work.confirming.delete(key);
      message.className = 'message error';
      message.textContent = `${connection.name} changed since this page showed it (someone or the policy decided it meanwhile), so nothing was done. The list has been reloaded: check its current state and decide again if needed.`;
      await events.onDecided();
    } else {
      message.className = 'message error';
      message.textContent = `${connection.name}: ${describeProblem(result)}`;
      draw();
    }
    keepFocus(connection.name, message);
  }

  /**
   * One reason for every ticked connection, sent one connection at a time through the same routes
   * as a single decision (each is audited on its own, with its own ETag check). Approve skips the
   * ticked rows that are not Pending, and says so.
   */
  async function decideMany(action: Action): Promise<void> {
    const reason = bulkControls.reason.value.trim();
    if (action === 'reject' && !requireReason(bulkControls.reason)) return;
    const chosen = selectedItems().filter((c) =>
      action === 'approve' ? canApproveStatus(c.status) : canRejectStatus(c.status),
    );
    if (chosen.length === 0) return;
    for (const c of chosen) work.busy.add(keyOf(c));
    bulkControls.approve.disabled = true;
    bulkControls.reject.disabled = true;
    bulkControls.confirmReject.disabled = true;
    draw();
    const done: string[] = [];
    const failed: string[] = [];
    // One after another: ARM's write budget is shared with the policy, and each result is read before the next.
    for (const c of chosen) {
      const result = await post(c, action, reason);
      work.busy.delete(keyOf(c));
      if (result.ok) {
        done.push(c.name);
        work.selected.delete(keyOf(c));
      } else
        failed.push(
          result.status === 409 && result.problem.code === 'state_changed'
            ? `${c.name} (changed meanwhile, nothing done)`
            : `${c.name} (${describeProblem(result)})`,
        );
    }
    bulkControls.confirmReject.disabled = false;
    showBulkConfirmation(false);
    if (failed.length === 0) bulkControls.reason.value = '';
    const verb = action === 'approve' ? 'Approved' : 'Rejected';
    message.hidden = false;
    message.className = failed.length === 0 ? 'message ok' : 'message error';
    message.textContent = `${verb} ${done.length} of ${chosen.length}${done.length > 0 ? `: ${done.join(', ')}` : ''}.${failed.length > 0 ? ` Not done: ${failed.join('; ')}.` : ''}`;
    await events.onDecided();
    message.focus();
  }
}

/** Everything the search box looks in, lower case. */
function searchText(c: Connection, reason: string | undefined): string {
  return [
    c.name,
    c.pls.name,
    c.status,
    c.requestMessage ?? '',
    c.consumerSubscriptionId ?? '',
    c.consumerTenantId ?? '',
    c.customer ?? '',
    c.policyVerdict?.reason ?? '',
    c.lastDecision?.actor.name ?? '',
    c.lastDecision?.rule ?? '',
    reason ?? '',
  ]
    .join(' ')
    .toLowerCase();
}

function sameReasons(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
}

/** Work on connections that no longer exist, or can no longer be decided, is dropped. */
function forgetGone(work: WorkState, items: readonly Connection[]): void {
  const decidable = new Set(items.filter((c) => canRejectStatus(c.status)).map(keyOf));
  for (const set of [work.selected, work.confirming])
    for (const key of set) if (!decidable.has(key)) set.delete(key);
  for (const key of work.drafts.keys()) if (!decidable.has(key)) work.drafts.delete(key);
}

/** Rejecting needs a reason: says so on the field and keeps the focus there. */
function requireReason(input: HTMLInputElement): boolean {
  if (input.value.trim() !== '') return true;
  input.focus();
  input.setCustomValidity('A reason is required to reject.');
  input.reportValidity();
  return false;
}

/** Which control of which row had the focus, so a redraw can put it back. */
interface FocusMark {
  readonly connection: string;
  readonly control: string;
  readonly selectionStart: number | null;
}

function focusedControl(body: HTMLElement): FocusMark | undefined {
  const active = document.activeElement;
  if (!(active instanceof HTMLElement) || !body.contains(active)) return undefined;
  const connection = active.closest<HTMLElement>('tr[data-connection]')?.dataset.connection;
  const control = active.dataset.control;
  if (connection === undefined || control === undefined) return undefined;
  return {
    connection,
    control,
    selectionStart: active instanceof HTMLInputElement ? active.selectionStart : null,
  };
}

function restoreFocus(body: HTMLElement, mark: FocusMark | undefined): void {
  if (mark === undefined) return;
  const row = [...body.querySelectorAll<HTMLElement>('tr[data-connection]')].find(
    (r) => r.dataset.connection === mark.connection,
  );
  const control = row?.querySelector<HTMLElement>(`[data-control="${mark.control}"]`);
  if (control === null || control === undefined || control.hidden) return;
  control.focus();
  if (control instanceof HTMLInputElement && control.type === 'text' && mark.selectionStart !== null)
    control.setSelectionRange(mark.selectionStart, mark.selectionStart);
}

/**
 * The table is redrawn after a decision, which would drop the focus to the page's top: put it back
 * on the same row (its first control, or the row itself), or on the outcome message when the row is gone.
 */
function keepFocus(connectionName: string, message: HTMLElement): void {
  const row = [...document.querySelectorAll<HTMLElement>('tr[data-connection]')].find(
    (r) => r.dataset.connection === connectionName,
  );
  const control = row?.querySelector<HTMLElement>('input[type="text"]:not([hidden]), button:not([hidden])');
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

interface RowContext {
  readonly canDecide: boolean;
  readonly work: WorkState;
  readonly reasons: ReadonlyMap<string, string>;
  readonly decide: (c: Connection, action: Action, reason: string) => Promise<void>;
  readonly redraw: () => void;
}

/** A cell with its column's name, which a phone shows beside the value (the row becomes a card). */
function cell(label: string, attributes: Record<string, string>, ...children: Child[]) {
  return h('td', { 'data-label': label, ...attributes }, ...children);
}

function row(c: Connection, context: RowContext): HTMLElement {
  const status = c.status.toLowerCase();
  const decision = c.lastDecision;
  const reason = context.reasons.get(keyOf(c));
  return h(
    'tr',
    {
      'data-connection': c.name,
      'data-connection-id': c.id,
      'data-pls-id': c.pls.id,
      'data-status': c.status,
    },
    context.canDecide ? cell('Select', { class: 'select-cell' }, selectBox(c, context)) : null,
    cell(
      'Connection',
      { class: 'name-cell' },
      h('div', { class: 'strong' }, c.name),
      h('div', { class: 'muted small' }, c.pls.name),
    ),
    cell(
      'Status',
      {},
      h('span', { class: `badge conn-${status}` }, c.status),
      c.approvals
        ? h(
            'div',
            {
              class: 'small',
              'data-approvals': c.approvals.text,
              title: c.approvals.lapsesAt ? `lapses ${utcTime(c.approvals.lapsesAt)}` : '',
            },
            `${c.approvals.text} approvals${c.approvals.firstBy ? ` (${c.approvals.firstBy})` : ''}`,
          )
        : null,
      c.approvalEndsAt
        ? h(
            'div',
            { class: 'muted small', title: utcTime(c.approvalEndsAt) },
            `ends ${utcTime(c.approvalEndsAt)}`,
          )
        : null,
    ),
    cell(
      'Consumer',
      {},
      c.customer ? h('div', { class: 'strong', 'data-customer': c.customer }, c.customer) : null,
      h('div', { title: c.consumerSubscriptionId ?? '' }, `sub ${shortId(c.consumerSubscriptionId)}`),
      h(
        'div',
        { class: 'muted small', title: c.consumerTenantId ?? '' },
        `tenant ${shortId(c.consumerTenantId)}`,
      ),
    ),
    cell(
      'Request message',
      { class: 'message-cell' },
      c.requestMessage ?? '—',
      c.policyVerdict
        ? h('div', { class: 'muted small' }, `policy: ${c.policyVerdict.action} — ${c.policyVerdict.reason}`)
        : null,
    ),
    cell(
      'Last decision',
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
    context.canDecide ? cell('Decide', { class: 'decide-cell' }, actions(c, context)) : null,
  );
}

function selectBox(c: Connection, context: RowContext): HTMLElement | string {
  if (!canRejectStatus(c.status)) return '';
  const key = keyOf(c);
  const box = h('input', {
    type: 'checkbox',
    'data-control': 'select',
    'aria-label': `Select ${c.name} for a bulk decision`,
    checked: context.work.selected.has(key),
    disabled: context.work.busy.has(key),
  });
  box.addEventListener('change', () => {
    if (box.checked) context.work.selected.add(key);
    else context.work.selected.delete(key);
    context.redraw();
  });
  return box;
}

function actions(c: Connection, context: RowContext): HTMLElement | string {
  const canApprove = canApproveStatus(c.status);
  const canReject = canRejectStatus(c.status);
  if (!canApprove && !canReject)
    return c.status === 'Rejected' ? 'final (the consumer must recreate the endpoint)' : '—';
  const key = keyOf(c);
  const { work } = context;
  const busy = work.busy.has(key);
  // Rejecting is final in ARM (Rejected never becomes Approved again), so it asks once more; the
  // question exists only while it is asked (never merely hidden by style, never a Tab stop before).
  const confirming = work.confirming.has(key);
  const reason = h('input', {
    type: 'text',
    maxlength: '140',
    placeholder: 'reason (required to reject)',
    'aria-label': `Reason for ${c.name}`,
    'data-control': 'reason',
    disabled: busy,
  });
  reason.value = work.drafts.get(key) ?? '';
  reason.addEventListener('input', () => {
    reason.setCustomValidity('');
    work.drafts.set(key, reason.value);
  });
  const controls: HTMLElement[] = [reason];
  if (!confirming) {
    if (canApprove) {
      const approve = h(
        'button',
        {
          type: 'button',
          class: 'approve',
          'data-action': 'approve',
          'data-control': 'approve',
          disabled: busy,
        },
        'Approve',
      );
      approve.addEventListener('click', () => void context.decide(c, 'approve', reason.value.trim()));
      controls.push(approve);
    }
    const reject = h(
      'button',
      { type: 'button', class: 'reject', 'data-action': 'reject', 'data-control': 'reject', disabled: busy },
      'Reject',
    );
    reject.addEventListener('click', () => {
      if (!requireReason(reason)) return;
      work.confirming.add(key);
      context.redraw();
      document
        .querySelector<HTMLElement>(
          `tr[data-connection-id="${CSS.escape(c.id)}"] [data-control="confirm-reject"]`,
        )
        ?.focus();
    });
    controls.push(reject);
  } else {
    const confirmReject = h(
      'button',
      {
        type: 'button',
        class: 'reject',
        'data-action': 'confirm-reject',
        'data-control': 'confirm-reject',
        disabled: busy,
      },
      'Reject for good',
    );
    const cancel = h(
      'button',
      {
        type: 'button',
        class: 'ghost',
        'data-action': 'cancel-reject',
        'data-control': 'cancel-reject',
        disabled: busy,
      },
      'Cancel',
    );
    confirmReject.addEventListener('click', () => void context.decide(c, 'reject', reason.value.trim()));
    cancel.addEventListener('click', () => {
      work.confirming.delete(key);
      context.redraw();
      document
        .querySelector<HTMLElement>(`tr[data-connection-id="${CSS.escape(c.id)}"] [data-control="reject"]`)
        ?.focus();
    });
    controls.push(
      h(
        'div',
        { class: 'confirm', role: 'group', 'aria-label': `Confirm rejecting ${c.name}` },
        h('span', { class: 'small' }, 'Final: the consumer must recreate the endpoint.'),
        confirmReject,
        cancel,
      ),
    );
  }
  return h('div', { class: 'decide' }, ...controls);
}
