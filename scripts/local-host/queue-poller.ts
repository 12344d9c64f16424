import { type DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import {
  type QueueFunctionDefinition,
  resolveBindingExpression,
} from '../../shared/host/function-definition';
import type { HostLogger } from './invocation-logger';
import { invoke } from './invoke';

/** The host's queue settings (host.json `extensions.queues`), with the host's own defaults. */
export interface QueueOptions {
  readonly batchSize: number;
  readonly maxDequeueCount: number;
  /** Seconds a failed message stays invisible before it is retried. */
  readonly visibilityTimeoutSeconds: number;
  /** Seconds a received message stays invisible while it is processed (the host starts at 10 minutes). */
  readonly leaseSeconds: number;
  readonly minPollMs: number;
  readonly maxPollMs: number;
}

export const DEFAULT_QUEUE_OPTIONS: QueueOptions = {
  batchSize: 16,
  maxDequeueCount: 5,
  visibilityTimeoutSeconds: 0,
  leaseSeconds: 600,
  minPollMs: 100,
  maxPollMs: 2_000,
};

export interface QueuePoller {
  readonly functionName: string;
  readonly queueName: string;
  stop(): Promise<void>;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The message as the host hands it to a Node function: base64-decoded (the host's default
 * `messageEncoding`), then parsed as JSON when it is JSON, else the string. Text that is not base64
 * is passed as it is (the real host would fail it), so hand-written test messages still work.
 */
export function decodeQueueMessage(messageText: string): {
  readonly text: string;
  readonly value: unknown;
  readonly wasBase64: boolean;
} {
  let text = messageText;
  let wasBase64 = false;
  if (messageText !== '' && BASE64.test(messageText)) {
    try {
      text = utf8.decode(Buffer.from(messageText, 'base64'));
      wasBase64 = true;
    } catch {
      text = messageText;
    }
  }
  try {
    return { text, value: JSON.parse(text), wasBase64 };
  } catch {
    return { text, value: text, wasBase64 };
  }
}

/** The queue and its poison queue, on the storage account the definition's connection setting names. */
export function queueClientsFor(
  definition: QueueFunctionDefinition,
  env: Readonly<Record<string, string | undefined>>,
): { readonly queue: QueueClient; readonly poison: QueueClient } {
  const connectionString = env[definition.options.connection];
  if (connectionString === undefined || connectionString.trim() === '') {
    throw new Error(
      `Queue function ${definition.name}: app setting ${definition.options.connection} must hold a storage connection string for the local host.`,
    );
  }
  const name = resolveBindingExpression(definition.options.queueName, env);
  return {
    queue: new QueueClient(connectionString, name),
    poison: new QueueClient(connectionString, `${name}-poison`),
  };
}

/**
 * Polls one queue like the host's queue listener: batches, exponential backoff while empty,
 * delete on success, retry after the visibility timeout on failure, and `<queue>-poison` once a
 * message has failed `maxDequeueCount` times.
 */
export async function startQueuePoller(
  definition: QueueFunctionDefinition,
  env: Readonly<Record<string, string | undefined>>,
  logger: HostLogger,
  options: QueueOptions = DEFAULT_QUEUE_OPTIONS,
): Promise<QueuePoller> {
  const { queue: client, poison } = queueClientsFor(definition, env);
  await client.createIfNotExists();
  let poisonReady = false;
  let stopped = false;
  let wake: (() => void) | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const moveToPoison = async (item: DequeuedMessageItem) => {
    if (!poisonReady) {
      await poison.createIfNotExists();
      poisonReady = true;
    }
    await poison.sendMessage(item.messageText);
    await client.deleteMessage(item.messageId, item.popReceipt);
    logger.warn(
      `${definition.name}: message ${item.messageId} moved to ${poison.name} after ${item.dequeueCount} attempt(s)`,
    );
  };

  const handle = async (item: DequeuedMessageItem) => {
    if (item.dequeueCount > options.maxDequeueCount) return moveToPoison(item);
    const { text, value } = decodeQueueMessage(item.messageText);
    const outcome = await invoke({
      logger,
      functionName: definition.name,
      trigger: 'storageQueue',
      detail: `message ${item.messageId} (attempt ${item.dequeueCount}) on ${client.name}`,
      triggerMetadata: {
        id: item.messageId,
        queueTrigger: text,
        dequeueCount: item.dequeueCount,
        insertionTime: item.insertedOn.toISOString(),
        expirationTime: item.expiresOn.toISOString(),
        nextVisibleTime: item.nextVisibleOn.toISOString(),
        popReceipt: item.popReceipt,
      },
      run: (context) => definition.handler(value, context),
    });
    if (outcome.ok) await client.deleteMessage(item.messageId, item.popReceipt);
    else if (item.dequeueCount >= options.maxDequeueCount) await moveToPoison(item);
    else
      await client.updateMessage(
        item.messageId,
        item.popReceipt,
        undefined,
        options.visibilityTimeoutSeconds,
      );
  };

  const loop = async () => {
    let delay = options.minPollMs;
    let failingSince: number | undefined;
    while (!stopped) {
      let items: DequeuedMessageItem[];
      try {
        const response = await client.receiveMessages({
          numberOfMessages: options.batchSize,
          visibilityTimeout: options.leaseSeconds,
        });
        items = response.receivedMessageItems;
        failingSince = undefined;
      } catch {
        if (failingSince === undefined) {
          failingSince = Date.now();
          logger.warn(
            `${definition.name}: cannot read queue ${client.name}; retrying every ${options.maxPollMs} ms`,
          );
        }
        await sleep(options.maxPollMs);
        continue;
      }
      if (items.length === 0) {
        await sleep(delay);
        delay = Math.min(delay * 2, options.maxPollMs);
        continue;
      }
      delay = options.minPollMs;
      const results = await Promise.allSettled(items.map(handle));
      for (const result of results) {
        // A lost pop receipt (the lease ran out) only means the message comes back; the host logs and moves on too.
        if (result.status === 'rejected')
          logger.warn(`${definition.name}: could not settle a message: ${String(result.reason)}`);
      }
    }
  };

  const running = loop();
  return {
    functionName: definition.name,
    queueName: client.name,
    async stop() {
      stopped = true;
      wake?.();
      await running;
    },
  };
}
