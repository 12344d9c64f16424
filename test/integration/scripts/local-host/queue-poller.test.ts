import { randomBytes } from 'node:crypto';
import { QueueClient } from '@azure/storage-queue';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../../../scripts/local-host/invocation-logger';
import {
  decodeQueueMessage,
  type QueueOptions,
  type QueuePoller,
  startQueuePoller,
} from '../../../../scripts/local-host/queue-poller';
import type { QueueFunctionDefinition } from '../../../../shared/host/function-definition';
import { azuriteConnectionString } from '../../../helpers/storage';

const FAST: QueueOptions = {
  batchSize: 16,
  maxDequeueCount: 5,
  visibilityTimeoutSeconds: 0,
  leaseSeconds: 30,
  minPollMs: 20,
  maxPollMs: 100,
};

interface Attempt {
  readonly message: unknown;
  readonly dequeueCount: unknown;
}

function queueDef(queueName: string, handler: QueueFunctionDefinition['handler']): QueueFunctionDefinition {
  return {
    name: 'work',
    kind: 'storageQueue',
    options: { queueName, connection: 'AzureWebJobsStorage' },
    handler,
  };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('decodeQueueMessage', () => {
  it('decodes base64 (the host default), then JSON when it parses', () => {
    expect(decodeQueueMessage(base64('{"target":"iis"}'))).toEqual({
      text: '{"target":"iis"}',
      value: { target: 'iis' },
      wasBase64: true,
    });
    expect(decodeQueueMessage(base64('plain words')).value).toBe('plain words');
    expect(decodeQueueMessage('{"raw":true}')).toMatchObject({ value: { raw: true }, wasBase64: false });
  });
});

describe('queue poller against Azurite', () => {
  let poller: QueuePoller | undefined;
  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
  });

  async function setup(handler: QueueFunctionDefinition['handler']) {
    const name = `q${randomBytes(6).toString('hex')}`;
    const env = { AzureWebJobsStorage: azuriteConnectionString(), WORK_QUEUE: name };
    const logger = new RecordingLogger();
    poller = await startQueuePoller(queueDef('%WORK_QUEUE%', handler), env, logger, FAST);
    const queue = new QueueClient(azuriteConnectionString(), name);
    const poison = new QueueClient(azuriteConnectionString(), `${name}-poison`);
    return { name, queue, poison, logger };
  }

  const count = async (queue: QueueClient) => (await queue.getProperties()).approximateMessagesCount ?? 0;

  it('passes the decoded message, with its metadata, and deletes it on success', async () => {
    const attempts: Attempt[] = [];
    const { name, queue, logger } = await setup(async (message, context) => {
      attempts.push({ message, dequeueCount: context.triggerMetadata?.dequeueCount });
    });
    expect(poller?.queueName).toBe(name);
    await queue.sendMessage(base64(JSON.stringify({ targetId: 'iis', runId: 'r1' })));
    await until(() => attempts.length === 1);
    expect(attempts[0]).toEqual({ message: { targetId: 'iis', runId: 'r1' }, dequeueCount: 1 });
    await until(async () => (await count(queue)) === 0);
    expect(logger.invocations[0]).toMatchObject({
      functionName: 'work',
      trigger: 'storageQueue',
      outcome: 'succeeded',
    });
  });

  it('leaves a failed message for a retry after the visibility timeout', async () => {
    const attempts: Attempt[] = [];
    const { queue } = await setup(async (message, context) => {
      attempts.push({ message, dequeueCount: context.triggerMetadata?.dequeueCount });
      if (attempts.length < 3) throw new Error('transient');
    });
    await queue.sendMessage(base64('"retry me"'));
    await until(() => attempts.length === 3);
    expect(attempts.map((a) => a.dequeueCount)).toEqual([1, 2, 3]);
    expect(attempts.every((a) => a.message === 'retry me')).toBe(true);
    await until(async () => (await count(queue)) === 0);
  });

  it('moves a message to <queue>-poison after five failed attempts, untouched', async () => {
    let attempts = 0;
    const { queue, poison, logger } = await setup(async () => {
      attempts++;
      throw new Error('always');
    });
    const text = base64('{"poison":true}');
    await queue.sendMessage(text);
    await until(async () => (await poison.exists()) && (await count(poison)) === 1);
    const [moved] = (await poison.peekMessages()).peekedMessageItems;
    expect(moved?.messageText).toBe(text);
    expect(attempts).toBe(5);
    expect(await count(queue)).toBe(0);
    expect(
      logger.lines.some((l) => l.level === 'warning' && l.text.includes(`moved to ${poison.name}`)),
    ).toBe(true);
  });
});
