import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { WEBHOOK_KINDS } from '../../shared/config/notify-webhooks';
import type { Say } from './narrative';

/**
 * The lab's webhook sink: one loopback endpoint per payload kind (`/teams`, `/slack`, `/generic`)
 * that takes the product's notifications like the real services would (2xx), tells each one in the
 * narrative (`notify teams-sink: connection.pending pe-northwind-web ...`) and counts them by
 * event type (`counts`). `GET /` lists what it received, for a test of a lab in another process.
 */
export interface NotifySink {
  readonly url: string;
  /** NOTIFY_WEBHOOKS for the app: one entry per kind, every event. */
  readonly webhooks: string;
  readonly counts: () => Readonly<Record<string, number>>;
  readonly received: () => readonly SinkDelivery[];
  stop(): Promise<void>;
}

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
});
export type SinkDelivery = z.infer<typeof sinkDeliverySchema>;

export async function startNotifySink(say: Say): Promise<NotifySink> {
  const counts: Record<string, number> = {};
  const received: SinkDelivery[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(received));
        return;
      }
      const kind = (req.url ?? '').replace(/^\//, '').split('?')[0] ?? '';
      const type = String(req.headers['x-gatekeeper-event'] ?? 'unknown');
      let read: Omit<SinkDelivery, 'kind' | 'type'>;
      try {
        read = summaryOf(kind, JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        read = { subject: '(unreadable body)', id: null, from: null, link: null };
      }
      const key = `${kind}:${type}`;
      counts[key] = (counts[key] ?? 0) + 1;
      received.push({ kind, type, ...read });
      say(`notify ${kind}-sink: ${type} ${read.subject}`);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('1');
    });
  });
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
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const cloudEventSchema = z.looseObject({
  subject: z.string().optional(),
  data: z.looseObject({ summary: z.string().optional(), from: z.string().optional() }).optional(),
});
const slackSchema = z.looseObject({ text: z.string().optional() });
const teamsSchema = z.looseObject({ summary: z.string().optional() });

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
    };
  }
  const subject = kind === 'slack' ? slackSchema.parse(body).text : teamsSchema.parse(body).summary;
  return { subject: subject ?? '', id: null, from: null, link };
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
