import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { QueueClient } from '@azure/storage-queue';
import type { Clock } from '../clock';
import type { Config } from '../config/config';
import { parseWebhooks, type WebhookTarget } from '../config/notify-webhooks';
import { AppError } from '../errors';
import type { Log } from '../log';
import type { TableSource } from '../storage/table-source';
import type { RenderOptions } from './core/payloads';
import { DeliveryStore } from './storage/delivery-store';
import { IncidentStore } from './storage/incident-store';
import { Notifier } from './storage/notifier';
import { NOTIFY_TABLES } from './storage/notify-tables';
import type { DeliveryDependencies } from './use-cases/deliver-notification';

/** The part of the composition root the notification wiring uses (narrow, so this module does not import it). */
export interface NotifyWiringSource extends TableSource {
  readonly config: Config;
  readonly appRoot: string;
  readonly clock: Clock;
  queue(name: string): Promise<QueueClient>;
  notifier(): Promise<Notifier | null>;
}

export { NOTIFY_TABLES };

/** The webhooks from NOTIFY_WEBHOOKS (inline JSON or a file); a bad list throws `config_invalid`. */
export async function loadWebhooks(container: NotifyWiringSource): Promise<WebhookTarget[]> {
  const source = container.config.notify.webhooksSource;
  if (source === null) return [];
  if (source.kind === 'inline') return parseWebhooks(source.text);
  const path = isAbsolute(source.path) ? source.path : resolve(container.appRoot, source.path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new AppError('config_invalid', `NOTIFY_WEBHOOKS names a file that cannot be read: ${source.path}`, {
      issues: [{ path: 'NOTIFY_WEBHOOKS', message: `cannot read ${source.path}` }],
    });
  }
  return parseWebhooks(text, source.path);
}

export async function buildNotifier(container: NotifyWiringSource): Promise<Notifier> {
  const targets = await loadWebhooks(container);
  return new Notifier(
    targets,
    () => container.queue(container.config.notify.queueName),
    container.clock,
    OUTSIDE_INVOCATION,
  );
}

/**
 * Stores stage and publish outside any invocation context: only what someone must know about (a
 * deferred publish, a warning, never a URL) reaches the process's own log.
 */
const OUTSIDE_INVOCATION: Log = {
  log: () => undefined,
  info: () => undefined,
  warn: (...args) => console.warn(...args),
  error: (...args) => console.error(...args),
};

/** The delivery use case's dependencies from the container (the queue trigger's composition). */
export async function buildDeliveryDependencies(
  container: NotifyWiringSource,
  log: Log,
): Promise<DeliveryDependencies | null> {
  const notifier = await container.notifier();
  if (notifier === null) return null;
  const { postWebhook } = await import('./adapters/webhook-client');
  const n = container.config.notify;
  return {
    targets: notifier.targets,
    store: new DeliveryStore(
      () => container.table(NOTIFY_TABLES.deliveries),
      () => container.table(NOTIFY_TABLES.deliveryLog),
    ),
    enqueue: (event, targets, attempt, delay, incident) =>
      notifier.enqueue(event, targets, attempt, delay, incident),
    ...(n.groupSeconds > 0
      ? {
          incidents: new IncidentStore(() => container.table(NOTIFY_TABLES.deliveries)),
          groupSeconds: n.groupSeconds,
        }
      : {}),
    post: postWebhook,
    clock: container.clock,
    render: renderOptions(container),
    maxAttempts: n.maxAttempts,
    retryBaseSeconds: n.retryBaseSeconds,
    timeoutSeconds: n.timeoutSeconds,
    random: Math.random,
    log,
  };
}

/** CloudEvents `source` is a URI reference naming the app: the site in Azure, `local` elsewhere. */
export function renderOptions(container: NotifyWiringSource): RenderOptions {
  return {
    source: `/private-link-gatekeeper/${container.config.runtime.siteName ?? 'local'}`,
    dashboardUrl: container.config.notify.dashboardUrl,
  };
}
