import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { InvocationContext } from '@azure/functions';
import { afterEach } from 'vitest';
import { decodeQueueMessage } from '../../../../scripts/local-host/queue-poller';
import type { Container } from '../../../../shared/composition-root';
import { handleDeliveryMessage } from '../../../../shared/notify/use-cases/notification-runs';

/** A real local webhook: records every request and answers as `respond` says. */
export interface Received {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
  readonly at: number;
}

export interface Sink {
  readonly url: string;
  readonly port: number;
  readonly received: Received[];
  respond: (req: Received, n: number) => number | Promise<number>;
  close(): Promise<void>;
}

export async function startSink(port = 0): Promise<Sink> {
  const received: Received[] = [];
  const sink: Sink = {
    url: '',
    port: 0,
    received,
    respond: () => 200,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const entry: Received = {
        path: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(raw.toString('utf8') || '{}'),
        at: Date.now(),
      };
      received.push(entry);
      const status = await sink.respond(entry, received.length);
      if (!res.destroyed) {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status < 300 ? '1' : 'no');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return Object.assign(sink, { url: `http://127.0.0.1:${actual}/hook`, port: actual });
}

export function webhooksSetting(
  entries: readonly { name: string; kind: string; url: string; events?: string[] }[],
): string {
  return JSON.stringify(entries);
}

/** Fast delivery tuning for tests: one-second backoff base, short timeouts. */
export const FAST_NOTIFY = {
  NOTIFY_RETRY_BASE_SECONDS: '1',
  NOTIFY_GROUP_SECONDS: '2',
  NOTIFY_TIMEOUT_SECONDS: '15',
  NOTIFY_MAX_ATTEMPTS: '8',
} as const;

/**
 * Drives the delivery queue like the host's queue trigger would for one instance: receive, hand
 * the decoded message to the handler, delete on success, let it reappear on failure. Runs until
 * stopped; delayed retry messages are picked up when they become visible.
 */
export function startDeliveryWorker(container: Container): {
  stop(): Promise<void>;
  readonly results: string[];
} {
  let stopped = false;
  const results: string[] = [];
  const loop = (async () => {
    const queue = await container.queue(container.config.notify.queueName);
    while (!stopped) {
      const { receivedMessageItems } = await queue.receiveMessages({
        numberOfMessages: 8,
        visibilityTimeout: 60,
      });
      if (receivedMessageItems.length === 0) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      await Promise.all(
        receivedMessageItems.map(async (item) => {
          try {
            const result = await handleDeliveryMessage(
              decodeQueueMessage(item.messageText).value,
              new InvocationContext({ logHandler: () => {} }),
              container,
            );
            results.push(String(result));
            await queue.deleteMessage(item.messageId, item.popReceipt);
          } catch {
            await queue.updateMessage(item.messageId, item.popReceipt, undefined, 1).catch(() => undefined);
          }
        }),
      );
    }
  })();
  return {
    results,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Sinks and delivery workers a test starts through this, stopped and closed after the test. */
export function useNotifyFixture(): {
  sink(port?: number): Promise<Sink>;
  worker(container: Container): ReturnType<typeof startDeliveryWorker>;
} {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return {
    async sink(port = 0) {
      const s = await startSink(port);
      cleanups.push(() => s.close());
      return s;
    },
    worker(container) {
      const w = startDeliveryWorker(container);
      cleanups.push(() => w.stop());
      return w;
    },
  };
}
