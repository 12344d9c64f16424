import { z } from 'zod';
import { AppError, type FieldIssue, formatIssues } from '../errors';
import { isLoopbackHost } from '../net/loopback';
import { zodIssues } from './schema-issues';

/**
 * NOTIFY_WEBHOOKS, parsed: a JSON list of webhooks. Pure (the file variant is read by the notify
 * wiring). It lives in the kernel, not in the notify feature, because the settings parser checks
 * an inline list up front (a bad list switches notifications off and is listed with the other
 * setting problems), and the kernel imports no feature; notify takes its vocabulary from here.
 * A webhook URL is a secret (it is the credential of an incoming webhook), so no message here
 * ever repeats one; problems name the entry and field instead.
 */

/** The kinds of event the product notifies about, stated once: a webhook subscribes to some of them. */
export const NOTIFY_EVENT_TYPES = [
  'connection.pending',
  'connection.decided',
  'connection.drift',
  'connection.reminder',
  'connection.expiring',
  'probe.down',
  'probe.up',
  'probe.degraded',
  'slo.burn',
  'reconcile.failed',
  'cert.expiring',
  'exposure.contradiction',
  'exposure.resolved',
] as const;
export type NotifyEventType = (typeof NOTIFY_EVENT_TYPES)[number];

/** The kinds of webhook, stated once: the type, the schema, the payload switch and the lab sink follow it. */
export const WEBHOOK_KINDS = ['teams', 'slack', 'generic'] as const;
export type WebhookKind = (typeof WEBHOOK_KINDS)[number];

export interface WebhookTarget {
  readonly name: string;
  readonly kind: WebhookKind;
  readonly url: URL;
  readonly events: ReadonlySet<NotifyEventType>;
}

function acceptableUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'expected an absolute URL';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  return 'expected an https URL (plain http is accepted only for loopback hosts)';
}

const entrySchema = z.strictObject({
  name: z
    .string({ error: 'expected a name' })
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
      'expected 1-64 letters, digits, _ . or -, starting with a letter or digit',
    ),
  kind: z.enum(WEBHOOK_KINDS, { error: `expected one of ${WEBHOOK_KINDS.join(', ')}` }),
  url: z.string({ error: 'expected a URL' }).superRefine((value, ctx) => {
    const problem = acceptableUrl(value);
    // The input is deliberately left out of the issue: it is a secret.
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: undefined });
  }),
  events: z
    .array(z.enum(NOTIFY_EVENT_TYPES, { error: `expected one of ${NOTIFY_EVENT_TYPES.join(', ')}` }))
    .min(1, 'expected at least one event (leave it out for all)')
    .optional(),
});

const listSchema = z
  .array(entrySchema, { error: 'expected a JSON list of webhooks' })
  .max(20, 'expected at most 20 webhooks');

/** Parses the list; throws one `config_invalid` AppError listing every problem (paths like `NOTIFY_WEBHOOKS[1].url`). */
export function parseWebhooks(text: string, origin = 'NOTIFY_WEBHOOKS'): WebhookTarget[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid([{ path: origin, message: 'expected a JSON list of webhooks' }]);
  }
  const result = listSchema.safeParse(json);
  if (!result.success) throw invalid(zodIssues(result.error, origin));
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  result.data.forEach((entry, i) => {
    const key = entry.name.toLowerCase();
    if (seen.has(key)) issues.push({ path: `${origin}[${i}].name`, message: `duplicate name ${entry.name}` });
    seen.add(key);
  });
  if (issues.length > 0) throw invalid(issues);
  return result.data.map((entry) => ({
    name: entry.name,
    kind: entry.kind,
    url: new URL(entry.url),
    events: new Set(entry.events ?? NOTIFY_EVENT_TYPES),
  }));
}

/** True when the setting's value is the list itself rather than a file path. */
export function isInlineWebhooks(value: string): boolean {
  return value.trimStart().startsWith('[');
}

function invalid(issues: readonly FieldIssue[]): AppError {
  return new AppError('config_invalid', `Invalid notification webhooks:\n${formatIssues(issues)}`, {
    issues,
  });
}
