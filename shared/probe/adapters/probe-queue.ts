/*
 * Queue mode: one message per target and tick, `{targetId, scheduledAt, runId}` as JSON,
 * base64-encoded because that is what the Functions host's queue trigger expects by default.
 * Each message lives no longer than one period: a probe that could not start in time is
 * superseded by the next tick's message, so a backlog never turns into a burst of stale probes.
 */
import type { QueueClient } from '@azure/storage-queue';
import { z } from 'zod';
import type { Config } from '../../config/config';
import { AppError } from '../../errors';
import { parseInput } from '../../http/http-adapter';
import type { ProbeTarget } from '../core/types';

export const probeRequestSchema = z.object({
  targetId: z.string().min(1).max(128),
  scheduledAt: z.iso.datetime({ offset: true }),
  runId: z.string().min(1).max(256),
});
export type ProbeRequest = z.infer<typeof probeRequestSchema>;

/** The engine's own run id (stable per target and occurrence), so a message and its rows name the same run. */
export async function runIdFor(targetId: string, scheduledAt: Date): Promise<string> {
  return (await import('./http-probe')).probeRunId(targetId, scheduledAt);
}

export function encodeProbeRequest(request: ProbeRequest): string {
  return Buffer.from(JSON.stringify(request), 'utf8').toString('base64');
}

/**
 * The host hands a queue trigger the decoded message: an object when the text was JSON, else the
 * string. A string may still be JSON, or base64 JSON (a message read straight from the queue).
 */
export function parseProbeRequest(message: unknown): ProbeRequest {
  let value = message;
  if (typeof value === 'string') value = parseJsonOrBase64Json(value);
  return parseInput(probeRequestSchema, value, 'message');
}

function parseJsonOrBase64Json(text: string): unknown {
  const trimmed = text.trim();
  for (const candidate of [trimmed, Buffer.from(trimmed, 'base64').toString('utf8')]) {
    try {
      return JSON.parse(candidate);
    } catch {
      // not this encoding; try the next
    }
  }
  throw new AppError(
    'validation_failed',
    'The probe request message is neither JSON nor base64-encoded JSON.',
    {
      issues: [{ path: 'message', message: 'expected {"targetId","scheduledAt","runId"} as JSON' }],
    },
  );
}

const ENQUEUE_CONCURRENCY = 32;

/** Sends one message per target; returns how many were sent. Idempotent enough: a duplicate message probes and records the same run. */
export async function enqueueProbeRequests(
  container: { readonly config: Config; queue(name: string): Promise<QueueClient> },
  targets: readonly Pick<ProbeTarget, 'id'>[],
  scheduledAt: Date,
  timeToLiveSeconds: number,
): Promise<number> {
  const queue = await container.queue(container.config.probe.queueName);
  let next = 0;
  let sent = 0;
  const worker = async () => {
    for (;;) {
      const target = targets[next++];
      if (target === undefined) return;
      const request: ProbeRequest = {
        targetId: target.id,
        scheduledAt: scheduledAt.toISOString(),
        runId: await runIdFor(target.id, scheduledAt),
      };
      try {
        await queue.sendMessage(encodeProbeRequest(request), {
          messageTimeToLive: Math.max(60, Math.ceil(timeToLiveSeconds)),
        });
      } catch (error) {
        throw new AppError('storage_unavailable', 'The probe request queue could not be written.', {
          cause: error,
        });
      }
      sent++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(ENQUEUE_CONCURRENCY, targets.length) }, worker));
  return sent;
}
