import { verdictInWords } from '../../approval/core/policy/verdict-words';
import type { NotifyEventType, WebhookKind } from '../../config/notify-webhooks';
import { plainLine, slackText, teamsText } from './markup';
import type { NotifyEvent, NotifyFacts } from './notify-events';

/**
 * The three wire formats, pure:
 * - teams: the message a Teams "Workflows" webhook (Power Automate "When a Teams webhook request
 *   is received") accepts: `type: message` with one Adaptive Card attachment
 *   (learn.microsoft.com, "Create incoming webhooks with Workflows for Microsoft Teams").
 * - slack: an incoming-webhook body with a `text` fallback and Block Kit `blocks`
 *   (api.slack.com/messaging/webhooks, api.slack.com/reference/block-kit/blocks).
 * - generic: a CloudEvents 1.0 structured-mode event (github.com/cloudevents/spec, spec.md and
 *   formats/json-format.md), sent as `application/cloudevents+json`.
 */
export interface RenderOptions {
  /** CloudEvents `source` and the apps' name in messages: the site name in Azure. */
  readonly source: string;
  readonly dashboardUrl: string | undefined;
}

export interface RenderedPayload {
  readonly contentType: string;
  readonly body: Record<string, unknown>;
}

const TITLES: Record<NotifyEventType, string> = {
  'connection.pending': 'Connection waiting for approval',
  'connection.decided': 'Connection decided',
  'connection.drift': 'Connection changed outside the gatekeeper',
  'connection.reminder': 'Connection still waiting for approval',
  'connection.expiring': 'Connection approval ends soon',
  'probe.down': 'Endpoint DOWN',
  'probe.up': 'Endpoint UP again',
  'probe.degraded': 'Endpoint DEGRADED',
  'slo.burn': 'Error budget burning',
  'reconcile.failed': 'Reconciliation failed',
  'cert.expiring': 'Certificate expires soon',
  'exposure.contradiction': 'Private Link Service setting contradicts the policy',
  'exposure.resolved': 'Private Link Service setting matches the policy again',
};

/**
 * One line saying what happened, also the text fallback of chat messages. Every fact in it goes
 * through `inert` (the channel's escaping, see ./markup): endpoint names come from the consumer.
 */
export function headline(event: NotifyEvent, inert: (text: string) => string = plainLine): string {
  const f = event.facts;
  const what = inert(f.endpointName ?? f.connectionName ?? f.targetName ?? f.plsName ?? event.subject);
  const fact = (value: string | number | undefined, absent: string): string =>
    value === undefined ? absent : inert(String(value));
  switch (event.type) {
    case 'connection.decided':
      return `${TITLES[event.type]}: ${what} ${fact(f.statusAfter, '')} by ${fact(f.actor, 'policy')}${f.mode === 'dry-run' ? ' (dry run)' : ''}`.replace(
        /\s+/g,
        ' ',
      );
    case 'connection.drift':
      return `${TITLES[event.type]}: ${what} ${fact(f.driftKind, '')} (${fact(f.statusBefore, '-')} → ${fact(f.statusAfter, '-')})`;
    case 'connection.reminder':
      return `${TITLES[event.type]}: ${what} pending for ${fact(f.pendingHours, '?')} h`;
    case 'probe.down':
      return f.affectedCount !== undefined && f.affectedCount > 1
        ? `${TITLES[event.type]}: ${what} and ${f.affectedCount - 1} more, one cause (${fact(f.failureClass, 'failure')})`
        : `${TITLES[event.type]}: ${what}`;
    case 'cert.expiring':
      // A rejected certificate is still read in the TLS phase: one already expired says so.
      return f.certDaysLeft !== undefined && f.certDaysLeft < 0
        ? `Certificate expired: ${what} on ${fact(f.certNotAfter, '?')}`
        : `${TITLES[event.type]}: ${what} in ${fact(f.certDaysLeft, '?')} days (${fact(f.certNotAfter, '?')})`;
    case 'slo.burn':
      return f.to === 'resolved'
        ? `Error budget burn over: ${what} (${fact(f.rule, 'burn-rate alert')})`
        : `${TITLES[event.type]}: ${what} (${fact(f.rule, 'burn-rate alert')})`;
    case 'connection.expiring':
      return `${TITLES[event.type]}: ${what} on ${fact(f.approvalEndsAt, '?')}${f.mode === 'dry-run' ? ' (dry run)' : ''}`;
    case 'exposure.contradiction':
    case 'exposure.resolved':
      return `${TITLES[event.type]}: ${what} ${fact(f.setting, '')}`;
    default:
      return `${TITLES[event.type]}: ${what}`;
  }
}

/**
 * The facts a person reads, in order, as label/value pairs (empty ones left out). Each value goes
 * through `inert`, the channel's escaping: most of them are the consumer's words or names.
 */
export function factRows(
  event: NotifyEvent,
  inert: (text: string) => string = plainLine,
): { readonly label: string; readonly value: string }[] {
  const f: NotifyFacts = event.facts;
  const connectionEvent = event.type.startsWith('connection.');
  const probeEvent = event.type.startsWith('probe.');
  const rows: [string, string | number | undefined][] = [
    ['Private Link Service', f.plsName],
    ['Endpoint', f.endpointName ?? f.connectionName],
    ['Customer', f.customer],
    ['Consumer subscription', f.consumerSubscriptionId],
    ['Consumer tenant', f.consumerTenantId],
    ['Request message', f.requestMessage],
    [
      'Status',
      f.statusAfter !== undefined && f.statusBefore !== undefined
        ? `${f.statusBefore} → ${f.statusAfter}`
        : (f.statusAfter ?? f.statusBefore),
    ],
    ['Decided by', f.actor],
    ['Rule', f.rule],
    // People read the verdict in words; the rule trace stays in the event's facts (CloudEvents, API).
    ['Why', connectionEvent && f.reason !== undefined ? verdictInWords(f.reason) : undefined],
    ['Pending since', f.pendingSince],
    ['Access ends', f.approvalEndsAt],
    // The target is named in the headline; its address is what the headline does not say.
    [
      'Address',
      f.url === undefined
        ? undefined
        : `${f.url}${f.expectedIp === undefined ? '' : ` (private endpoint IP ${f.expectedIp})`}`,
    ],
    ['Also failing', f.alsoAffected],
    ['Since', f.since],
    ['State', f.from !== undefined && f.to !== undefined ? `${f.from} → ${f.to}` : undefined],
    ['Failure', [f.failureClass, f.code && `(${f.code})`].filter(Boolean).join(' ') || undefined],
    ['Failing phase', f.phase],
    ['Probe saw', f.detail],
    ['Connection state', f.connectionState],
    ['Certificate', f.certSubject],
    ['Issued by', f.certIssuer],
    ['Expires', f.certNotAfter],
    [
      'Notice at',
      f.certThresholdDays === undefined ? undefined : `${f.certThresholdDays} days before expiry`,
    ],
    ['Fingerprint (SHA-256)', f.certFingerprint],
    ['Likely owner', f.ownerSide === undefined ? undefined : (OWNER_SIDES[f.ownerSide] ?? f.ownerSide)],
    // A probe event's reason repeats its failure and detail; only the other kinds need it.
    ['Why', connectionEvent || (probeEvent && f.detail !== undefined) ? undefined : f.reason],
    ['Error', f.errorCode],
    ['Setting', f.setting],
    ['Current value', f.currentValue],
    ['Policy expects', f.expected],
    ['Fix', f.fix],
    ['Mode', f.mode !== undefined && f.mode !== 'enforce' ? f.mode : undefined],
  ];
  const shown = rows
    .filter((r): r is [string, string | number] => r[1] !== undefined && r[1] !== '')
    .map(([label, value]) => ({ label, value: inert(String(value)) }))
    .filter((r) => r.value.trim() !== '');
  // No row says what an earlier one already said (a reason that only restates the failure, say).
  return shown.filter((r, i) => !shown.slice(0, i).some((earlier) => earlier.value === r.value));
}

/** The side that usually owns the fix, as a person reads it (ownerSideOf in ./event-builders decides it). */
const OWNER_SIDES: Record<string, string> = {
  consumer: 'consumer side (name resolution in the consumer network)',
  network: 'network path (NSG or route, load balancer, Private Link)',
  provider: 'provider side (the service behind the Private Link Service)',
};

/** Where the dashboard shows the subject; undefined without DASHBOARD_URL. */
export function dashboardLink(event: NotifyEvent, dashboardUrl: string | undefined): string | undefined {
  if (dashboardUrl === undefined) return undefined;
  const url = new URL(dashboardUrl);
  const key =
    event.type.startsWith('probe.') || event.type === 'cert.expiring'
      ? 'target'
      : event.type.startsWith('exposure.')
        ? 'pls'
        : 'connection';
  url.hash = `${key}=${encodeURIComponent(event.subject)}`;
  return url.toString();
}

export function renderPayload(
  kind: WebhookKind,
  event: NotifyEvent,
  options: RenderOptions,
): RenderedPayload {
  switch (kind) {
    case 'teams':
      return { contentType: 'application/json', body: teamsMessage(event, options) };
    case 'slack':
      return { contentType: 'application/json', body: slackMessage(event, options) };
    case 'generic':
      return { contentType: 'application/cloudevents+json; charset=utf-8', body: cloudEvent(event, options) };
  }
}

function accent(type: NotifyEventType): 'attention' | 'warning' | 'good' | 'accent' {
  if (type === 'probe.down' || type === 'reconcile.failed') return 'attention';
  if (
    type === 'exposure.contradiction' ||
    type === 'probe.degraded' ||
    type === 'connection.drift' ||
    type === 'connection.reminder' ||
    type === 'connection.expiring' ||
    type === 'cert.expiring'
  )
    return 'warning';
  if (type === 'probe.up' || type === 'exposure.resolved') return 'good';
  return 'accent';
}

export function adaptiveCard(event: NotifyEvent, options: RenderOptions): Record<string, unknown> {
  const link = dashboardLink(event, options.dashboardUrl);
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    msteams: { width: 'Full' },
    body: [
      {
        type: 'TextBlock',
        text: TITLES[event.type],
        weight: 'Bolder',
        size: 'Medium',
        color: accent(event.type),
        wrap: true,
      },
      { type: 'TextBlock', text: headline(event, teamsText), wrap: true, spacing: 'Small' },
      {
        type: 'FactSet',
        facts: factRows(event, teamsText).map((r) => ({ title: r.label, value: r.value })),
      },
      {
        type: 'TextBlock',
        text: `${event.type} · ${event.at} · ${options.source}`,
        isSubtle: true,
        size: 'Small',
        wrap: true,
      },
    ],
    ...(link !== undefined
      ? {
          actions: [
            {
              type: 'Action.OpenUrl',
              title:
                event.type.startsWith('probe.') || event.type === 'cert.expiring'
                  ? 'Open in dashboard'
                  : 'Open connection',
              url: link,
            },
          ],
        }
      : {}),
  };
}

function teamsMessage(event: NotifyEvent, options: RenderOptions): Record<string, unknown> {
  return {
    type: 'message',
    summary: headline(event, teamsText),
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: adaptiveCard(event, options),
      },
    ],
  };
}

/** Slack mrkdwn for the app's own text (labels, ids): &, < and > are all that must be escaped. */
function mrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function slackMessage(event: NotifyEvent, options: RenderOptions): Record<string, unknown> {
  const link = dashboardLink(event, options.dashboardUrl);
  const fields = factRows(event, slackText)
    .slice(0, 10) // a section holds at most 10 fields
    .map((r) => ({ type: 'mrkdwn', text: `*${mrkdwn(r.label)}*\n${r.value.slice(0, 1900)}` }));
  // The top-level `text` is the notification's fallback and Slack formats it as mrkdwn as well.
  const line = headline(event, slackText);
  return {
    text: line,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: TITLES[event.type].slice(0, 150), emoji: false } },
      { type: 'section', text: { type: 'mrkdwn', text: line.slice(0, 3000) } },
      ...(fields.length > 0 ? [{ type: 'section', fields }] : []),
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: mrkdwn(`${event.type} · ${event.at} · ${options.source}`) }],
      },
      ...(link !== undefined
        ? [
            {
              type: 'actions',
              elements: [
                { type: 'button', text: { type: 'plain_text', text: 'Open in dashboard' }, url: link },
              ],
            },
          ]
        : []),
    ],
  };
}

function cloudEvent(event: NotifyEvent, options: RenderOptions): Record<string, unknown> {
  const link = dashboardLink(event, options.dashboardUrl);
  return {
    specversion: '1.0',
    id: event.id,
    source: options.source,
    type: event.type,
    subject: event.subject,
    time: event.at,
    datacontenttype: 'application/json',
    data: { ...event.facts, summary: headline(event), ...(link !== undefined ? { dashboardUrl: link } : {}) },
  };
}
