import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { zodIssues } from '../../shared/config/schema-issues';
import { formatIssues } from '../../shared/errors';
import { DEFAULT_QUEUE_OPTIONS, type QueueOptions } from './queue-poller';

/** The parts of host.json the local host honours, so routes and queue retries behave as deployed. */
export interface HostSettings {
  readonly routePrefix: string;
  readonly queues: QueueOptions;
}

/** A .NET TimeSpan as host.json writes it: `hh:mm:ss` or `d.hh:mm:ss`, optional fraction. */
export function timeSpanSeconds(value: string): number | undefined {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(value.trim());
  if (m === null) return undefined;
  const [, d = '0', h = '0', min = '0', s = '0', frac = '0'] = m;
  return Number(d) * 86_400 + Number(h) * 3_600 + Number(min) * 60 + Number(s) + Number(`0.${frac}`);
}

const timeSpan = z
  .string()
  .refine((v) => timeSpanSeconds(v) !== undefined, 'expected a TimeSpan such as 00:00:30');

const hostJsonSchema = z.looseObject({
  extensions: z
    .looseObject({
      http: z.looseObject({ routePrefix: z.string().optional() }).optional(),
      queues: z
        .looseObject({
          maxDequeueCount: z.number().int().min(1).optional(),
          batchSize: z.number().int().min(1).max(32).optional(),
          visibilityTimeout: timeSpan.optional(),
          maxPollingInterval: timeSpan.optional(),
        })
        .optional(),
    })
    .optional(),
});

export function parseHostJson(json: unknown, origin = 'host.json'): HostSettings {
  const result = hostJsonSchema.safeParse(json);
  if (!result.success) throw new Error(`${origin} has problems:\n${formatIssues(zodIssues(result.error))}`);
  const http = result.data.extensions?.http;
  const queues = result.data.extensions?.queues;
  const maxPoll =
    queues?.maxPollingInterval === undefined ? undefined : timeSpanSeconds(queues.maxPollingInterval);
  return {
    routePrefix: (http?.routePrefix ?? 'api').replace(/^\/+|\/+$/g, ''),
    queues: {
      ...DEFAULT_QUEUE_OPTIONS,
      ...(queues?.maxDequeueCount === undefined ? {} : { maxDequeueCount: queues.maxDequeueCount }),
      ...(queues?.batchSize === undefined ? {} : { batchSize: queues.batchSize }),
      ...(queues?.visibilityTimeout === undefined
        ? {}
        : { visibilityTimeoutSeconds: timeSpanSeconds(queues.visibilityTimeout) ?? 0 }),
      // The local host polls at most every 2 s even when host.json allows longer: nobody waits a minute on a laptop.
      ...(maxPoll === undefined
        ? {}
        : { maxPollMs: Math.min(maxPoll * 1000, DEFAULT_QUEUE_OPTIONS.maxPollMs) }),
    },
  };
}

export function readHostJson(path: string): HostSettings {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path} cannot be read as JSON: ${(error as Error).message}`);
  }
  return parseHostJson(json, path);
}
