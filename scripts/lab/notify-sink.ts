import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Say } from './narrative';

/**
 * The lab's webhook sink: one loopback endpoint per payload kind (`/teams`, `/slack`, `/generic`)
 * that takes the product's notifications like the real services would (2xx), tells each one in the
 * narrative (`notify teams-sink: connection.pending pe-northwind-web ...`) and counts them by
 * event type (`counts`).
 */
export interface NotifySink {
  readonly url: string;
  /** NOTIFY_WEBHOOKS for the app: one entry per kind, every event. */
  readonly webhooks: string;
  readonly counts: () => Readonly<Record<string, number>>;
  stop(): Promise<void>;
}

const KINDS = ['teams', 'slack', 'generic'] as const;

export async function startNotifySink(say: Say): Promise<NotifySink> {
  const counts: Record<string, number> = {};
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const kind = (req.url ?? '').replace(/^\//, '').split('?')[0] ?? '';
      const type = String(req.headers['x-gatekeeper-event'] ?? 'unknown');
      let subject = '';
      try {
        subject = summaryOf(
          kind,
          JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
        );
      } catch {
        subject = '(unreadable body)';
      }
      const key = `${kind}:${type}`;
      counts[key] = (counts[key] ?? 0) + 1;
      say(`notify ${kind}-sink: ${type} ${subject}`);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('1');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    webhooks: JSON.stringify(KINDS.map((kind) => ({ name: `${kind}-sink`, kind, url: `${url}/${kind}` }))),
    counts: () => ({ ...counts }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The one line a person would read first, from each kind's own payload. */
function summaryOf(kind: string, body: Record<string, unknown>): string {
  if (kind === 'generic') {
    const data = (body.data ?? {}) as Record<string, unknown>;
    return String(data.summary ?? body.subject ?? '');
  }
  if (kind === 'slack') return String(body.text ?? '');
  return String(body.summary ?? '');
}
