/*
 * Notifications: where they go, how deliveries are retried, reminders and the sweeper, and the
 * dashboard links they carry. A bad value stops notifications (or only the links), nothing else.
 */
import { queueNameSetting, type SettingSpec } from './setting-spec';

export const NOTIFY_SETTINGS = [
  {
    name: 'NOTIFY_WEBHOOKS',
    description:
      'Where notifications go: a JSON list of `{name, kind: teams|slack|generic, url, events?}`, or the path of a file holding one (relative to the app root). Unset: nothing is sent. The URLs are secrets (keep the setting in Key Vault); https only, plain http only for loopback.',
    example: '[{"name":"ops","kind":"teams","url":"https://example.webhook.office.com/..."}]',
    side: 'both',
    rule: { type: 'string' },
    feature: 'notify',
    // Webhook URLs are credentials: never echoed, and redacted from every log line.
    secret: true,
  },
  {
    name: 'NOTIFY_PENDING_REMINDER_HOURS',
    description:
      'A connection left Pending for a person gets a `connection.reminder` after this many hours, and again every period, until decided.',
    default: '24',
    example: '8',
    side: 'provider',
    rule: { type: 'int', min: 1, max: 24 * 30 },
    feature: 'notify',
  },
  {
    name: 'DASHBOARD_URL',
    description:
      'Base URL of the dashboard; notifications carry a button to the connection or target there when set. https, or plain http for loopback hosts (`npm run local` sets it). A bad value only leaves the buttons out.',
    example: 'https://func-gatekeeper-prod.azurewebsites.net/api/dashboard',
    side: 'both',
    rule: { type: 'httpsUrl', loopbackHttp: true },
    feature: 'dashboardLinks',
  },
  {
    ...queueNameSetting(
      'NOTIFY_QUEUE_NAME',
      'Storage queue of pending webhook deliveries (one message per event and webhook).',
      'notify-deliveries',
      'both',
    ),
    feature: 'notify',
  },
  {
    name: 'NOTIFY_MAX_ATTEMPTS',
    description:
      'Delivery attempts per event and webhook before the delivery is marked poison (kept in the NotifyDeliveries table).',
    default: '8',
    example: '12',
    side: 'both',
    rule: { type: 'int', min: 1, max: 50 },
    feature: 'notify',
  },
  {
    name: 'NOTIFY_RETRY_BASE_SECONDS',
    description:
      'First retry delay of a failed delivery; each further attempt waits twice as long (with jitter, at most one hour).',
    default: '30',
    example: '10',
    side: 'both',
    rule: { type: 'int', min: 1, max: 3600 },
    feature: 'notify',
  },
  {
    name: 'NOTIFY_TIMEOUT_SECONDS',
    description: 'How long one webhook call may take before it counts as failed and is retried.',
    default: '15',
    example: '30',
    side: 'both',
    rule: { type: 'int', min: 1, max: 120 },
    feature: 'notify',
  },
  {
    name: 'NOTIFY_SWEEP_SCHEDULE',
    description:
      'NCRONTAB schedule of the notification sweeper: enqueues outbox entries a crash left behind and sends pending reminders.',
    default: '0 */2 * * * *',
    example: '0 */5 * * * *',
    side: 'both',
    rule: { type: 'ncrontab' },
    feature: 'notify',
  },
] as const satisfies readonly SettingSpec[];
