import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { WEBHOOK_KINDS } from '../../shared/config/notify-webhooks';
import { endpointOf } from './narrative';

/**
 * The lab's webhook sink: one loopback endpoint per payload kind (`/teams`, `/slack`, `/generic`)
 * that takes the product's notifications like the real services would (2xx). It keeps each message
 * whole (the last MAX_KEPT_MESSAGES of them) and serves them on loopback, so anyone can see a real
 * Teams card or Slack message without writing a sink:
 *
 *   GET /            what it received, one summary per message (the lab's end-to-end test reads it)
 *   GET /messages    the kept messages: number, kind, event type, event id, time, and where to get it
 *   GET /messages/n  message n, byte for byte as received, with its content type
 *
 * The narrative gets one line per event (not one per kind): told from the CloudEvents copy, which
 * carries the facts (short names), or from the first copy when no CloudEvents copy comes.
 */
export interface NotifySink {
  readonly url: string;
  /** NOTIFY_WEBHOOKS for the app: one entry per kind, every event. */
  readonly webhooks: string;
  readonly counts: () => Readonly<Record<string, number>>;
  readonly received: () => readonly SinkDelivery[];
  stop(): Promise<void>;
}

/** Where the narrative line of an event goes: with the probe change it belongs to, if any. */
export type TellEvent = (
  line: string,
  after: { target: string; state: string; at: number } | undefined,
) => void;

/** Messages kept whole, the oldest dropped first: enough for a lab session, bounded for a long one. */
export const MAX_KEPT_MESSAGES = 200;
/** How long a Teams or Slack copy waits for its event's CloudEvents copy before it is told itself. */
const TELL_FALLBACK_MS = 3_000;

/** One notification as the sink took it: the kind (its path), the event type and the one-line summary. */
export const sinkDeliverySchema = z.object({
  kind: z.string(),
  type: z.string(),
  subject: z.string(),
  /** The event's subject id: the connection's or the target's (generic kind only, else null). */
  id: z.string().nullable(),
  /** A probe event's state before (generic kind only, else null): tells "UP again" after DOWN from after DEGRADED. */
  from: z.string().nullable(),
  /** The message's dashboard button (Teams Action.OpenUrl, Slack button, CloudEvents data.dashboardUrl), or null. */
  link: z.string().nullable(),
  /** A grouped probe.down's other targets, comma separated (generic kind only, else null): one incident per cause. */
  also: z.string().nullable().default(null),
});
export type SinkDelivery = z.infer<typeof sinkDeliverySchema>;

/** A kept message, as GET /messages lists it. */
export const keptMessageSchema = z.object({
  n: z.number().int(),
  kind: z.string(),
  type: z.string(),
  eventId: z.string().nullable(),
  receivedAt: z.string(),
  href: z.string(),
});
export type KeptMessage = z.infer<typeof keptMessageSchema>;

export async function startNotifySink(tell: TellEvent): Promise<NotifySink> {
  const counts: Record<string, number> = {};
  const received: SinkDelivery[] = [];
  const kept: (KeptMessage & { readonly contentType: string; readonly body: Buffer })[] = [];
  let next = 1;
  /** Per event id: told already, or waiting for its CloudEvents copy. */
  const events = new Map<string, { told: boolean; fallback?: NodeJS.Timeout }>();

  const tellOnce = (eventId: string | null, line: string, after: Parameters<TellEvent>[1]) => {
    if (eventId === null) {
      tell(line, after);
      return;
    }
    const known = events.get(eventId);
    if (known?.told === true) return;
    if (known?.fallback !== undefined) clearTimeout(known.fallback);
    events.set(eventId, { told: true });
    if (events.size > 4 * MAX_KEPT_MESSAGES) events.delete(events.keys().next().value as string);
    tell(line, after);
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (req.method === 'GET') {
        serve(path, res);
        return;
      }
      const raw = Buffer.concat(chunks);
      const kind = path.replace(/^\//, '');
      const type = String(req.headers['x-gatekeeper-event'] ?? 'unknown');
      // `X-Gatekeeper-Delivery: <event id>.<webhook>`: the event's copies share the id.
      const eventId =
        /^([0-9a-f]{32})\./.exec(String(req.headers['x-gatekeeper-delivery'] ?? ''))?.[1] ?? null;
      let body: unknown;
      let read: Omit<SinkDelivery, 'kind' | 'type'>;
      try {
        body = JSON.parse(raw.toString('utf8'));
        read = summaryOf(kind, body);
      } catch {
        read = { subject: '(unreadable body)', id: null, from: null, link: null, also: null };
      }
      const key = `${kind}:${type}`;
      counts[key] = (counts[key] ?? 0) + 1;
      received.push({ kind, type, ...read });
      const n = next++;
      kept.push({
        n,
        kind,
        type,
        eventId,
        receivedAt: new Date().toISOString(),
        href: `/messages/${n}`,
        contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
        body: raw,
      });
      if (kept.length > MAX_KEPT_MESSAGES) kept.shift();

      if (kind === 'generic' && body !== undefined) {
        const told = eventLine(type, body);
        tellOnce(eventId, told.line, told.after);
      } else if (eventId === null) {
        tell(`notify ${type}: ${read.subject}`, undefined);
      } else if (!events.has(eventId)) {
        const fallback = setTimeout(
          () => tellOnce(eventId, `notify ${type}: ${read.subject}`, undefined),
          TELL_FALLBACK_MS,
        );
        fallback.unref?.();
        events.set(eventId, { told: false, fallback });
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('1');
    });
  });

  function serve(path: string, res: ServerResponse): void {
    if (path === '/' || path === '') {
      json(res, 200, received);
      return;
    }
    if (path === '/messages') {
      json(
        res,
        200,
        kept.map(({ contentType: _c, body: _b, ...listed }) => listed),
      );
      return;
    }
    const n = /^\/messages\/(\d+)$/.exec(path)?.[1];
    const message = n === undefined ? undefined : kept.find((m) => m.n === Number(n));
    if (message === undefined) {
      json(res, 404, { error: `not kept: ${path} (GET /messages lists the last ${MAX_KEPT_MESSAGES})` });
      return;
    }
    res.writeHead(200, { 'content-type': message.contentType });
    res.end(message.body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    webhooks: JSON.stringify(
      WEBHOOK_KINDS.map((kind) => ({ name: `${kind}-sink`, kind, url: `${url}/${kind}` })),
    ),
    counts: () => ({ ...counts }),
    received: () => [...received],
    stop: () =>
      new Promise<void>((resolve) => {
        for (const e of events.values()) if (e.fallback !== undefined) clearTimeout(e.fallback);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

const cloudEventSchema = z.looseObject({
  subject: z.string().optional(),
  time: z.string().optional(),
  data: z
    .looseObject({
      summary: z.string().optional(),
      from: z.string().optional(),
      to: z.string().optional(),
      targetId: z.string().optional(),
      alsoAffectedIds: z.string().optional(),
      failureClass: z.string().optional(),
      endpointName: z.string().optional(),
      connectionName: z.string().optional(),
      statusAfter: z.string().optional(),
      actor: z.string().optional(),
      plsName: z.string().optional(),
      errorCode: z.string().optional(),
      pendingHours: z.number().optional(),
    })
    .optional(),
});
const slackSchema = z.looseObject({ text: z.string().optional() });
const teamsSchema = z.looseObject({ summary: z.string().optional() });

/**
 * The narrative line of an event, with short names (the endpoint or target id, not the display
 * name): `notify probe.down: pe-fabrikam-web and pe-fabrikam-api, one cause (HTTP_STATUS)`. A probe
 * event waits for the probe watcher's line about the same change.
 */
export function eventLine(
  type: string,
  body: unknown,
): { line: string; after: { target: string; state: string; at: number } | undefined } {
  const event = cloudEventSchema.parse(body);
  const d = event.data ?? {};
  const at = event.time === undefined ? Date.now() : Date.parse(event.time);
  if (type.startsWith('probe.') && d.targetId !== undefined) {
    const others =
      d.alsoAffectedIds === undefined
        ? ''
        : ` and ${d.alsoAffectedIds}, one cause (${d.failureClass ?? 'same failure'})`;
    const line = `notify ${type}: ${d.targetId}${others}`;
    return { line, after: d.to === undefined ? undefined : { target: d.targetId, state: d.to, at } };
  }
  const endpoint =
    d.endpointName ?? (d.connectionName === undefined ? undefined : endpointOf(d.connectionName));
  const what = endpoint ?? d.plsName ?? event.subject?.split('/').at(-1) ?? '';
  const extra =
    type === 'connection.decided'
      ? ` ${d.statusAfter ?? ''} by ${d.actor ?? 'policy'}`
      : type === 'connection.reminder'
        ? ` pending for ${d.pendingHours ?? '?'} h`
        : type === 'reconcile.failed' && d.errorCode !== undefined
          ? ` (${d.errorCode})`
          : '';
  return { line: `notify ${type}: ${what}${extra}`.replace(/\s+/g, ' ').trim(), after: undefined };
}

/** The one line a person would read first, from each kind's own payload (and the subject id where the payload has it). */
function summaryOf(kind: string, body: unknown): Omit<SinkDelivery, 'kind' | 'type'> {
  const link = buttonUrlOf(body) ?? null;
  if (kind === 'generic') {
    const event = cloudEventSchema.parse(body);
    return {
      subject: event.data?.summary ?? event.subject ?? '',
      id: event.subject ?? null,
      from: event.data?.from ?? null,
      link,
      also: event.data?.alsoAffectedIds ?? null,
    };
  }
  const subject = kind === 'slack' ? slackSchema.parse(body).text : teamsSchema.parse(body).summary;
  return { subject: subject ?? '', id: null, from: null, link, also: null };
}

/** The first `url` (or CloudEvents `dashboardUrl`) anywhere in the body: each kind puts its one button there. */
function buttonUrlOf(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = buttonUrlOf(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    if ((key === 'url' || key === 'dashboardUrl') && typeof child === 'string') return child;
    const found = buttonUrlOf(child);
    if (found !== undefined) return found;
  }
  return undefined;
}
