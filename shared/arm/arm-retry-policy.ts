import type { AbortSignalLike } from '@azure/abort-controller';
import type { PipelinePolicy, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import { type ArmMetrics, type ArmRetryReason, callKindOf } from './arm-metrics';

/**
 * Our own retry policy, replacing the SDK's `defaultRetryPolicy` (throttling + exponential strategies).
 * Why not the SDK's: its throttling strategy sleeps for whatever Retry-After ARM sends, however long
 * (a function would sit out its own timeout), and it has no budget for the total wait; it counts
 * retries but not attempts by kind. This one:
 * - honours 429 Retry-After (seconds, HTTP date, `retry-after-ms`, `x-ms-retry-after-ms`), plus up to 10% jitter;
 * - retries 5xx (not 501/505) and connection resets/timeouts with exponential backoff and equal jitter;
 * - never retries other 4xx;
 * - stops at `maxAttempts` or when the next wait would exceed `maxTotalWaitMs`, returning ARM's last
 *   answer at once (the gateway turns a final 429 into `arm_throttled` with the Retry-After it got).
 * Every operation we send is idempotent (GET, PUT of a connection state, DELETE), so retrying is safe.
 */
export interface ArmRetryOptions {
  /** Attempts in total, the first one included. */
  readonly maxAttempts: number;
  /** Most time slept between attempts of one request. */
  readonly maxTotalWaitMs: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Deadline of one attempt; a timed-out attempt counts as a network failure. */
  readonly attemptTimeoutMs: number;
}

export const DEFAULT_RETRY_OPTIONS: ArmRetryOptions = {
  maxAttempts: 6,
  maxTotalWaitMs: 60_000,
  baseDelayMs: 500,
  maxDelayMs: 16_000,
  attemptTimeoutMs: 30_000,
};

export const ARM_RETRY_POLICY_NAME = 'armRetryPolicy';

const RETRIABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'REQUEST_SEND_ERROR',
]);

export interface RetryDeps {
  readonly metrics?: ArmMetrics;
  readonly random?: () => number;
  readonly sleep?: (ms: number, signal: AbortSignalLike | undefined) => Promise<void>;
}

export function armRetryPolicy(options: ArmRetryOptions, deps: RetryDeps = {}): PipelinePolicy {
  const random = deps.random ?? Math.random;
  const sleep = deps.sleep ?? abortableSleep;
  return {
    name: ARM_RETRY_POLICY_NAME,
    async sendRequest(request: PipelineRequest, next): Promise<PipelineResponse> {
      let waited = 0;
      for (let attempt = 1; ; attempt++) {
        request.timeout = options.attemptTimeoutMs;
        const started = performance.now();
        let response: PipelineResponse | undefined;
        let error: unknown;
        try {
          response = await next(request);
        } catch (thrown) {
          error = thrown;
          response = (thrown as { response?: PipelineResponse }).response;
        }
        deps.metrics?.recordRequest(callKindOf(request.method, request.url), performance.now() - started);
        if (request.abortSignal?.aborted)
          throw error ?? new Error('The ARM request was aborted by the caller.');

        const reason = retryReason(response, error);
        if (reason === undefined) return finish(response, error);
        const delay =
          reason === 'throttled' || (response !== undefined && retryAfterMs(response) !== undefined)
            ? withJitter(retryAfterMs(response) ?? backoff(attempt, options, random), random)
            : backoff(attempt, options, random);
        if (attempt >= options.maxAttempts || waited + delay > options.maxTotalWaitMs) {
          return finish(response, error);
        }
        deps.metrics?.recordRetry(reason, delay);
        await sleep(delay, request.abortSignal);
        waited += delay;
      }
    },
  };
}

function finish(response: PipelineResponse | undefined, error: unknown): PipelineResponse {
  if (error !== undefined) throw error;
  if (response === undefined) throw new Error('No ARM response and no error.');
  return response;
}

/** Why this answer deserves another attempt, or undefined when it does not. */
export function retryReason(
  response: PipelineResponse | undefined,
  error: unknown,
): ArmRetryReason | undefined {
  const status = response?.status;
  if (status === 429) return 'throttled';
  if (status !== undefined && status >= 500 && status !== 501 && status !== 505) return 'server';
  if (status !== undefined) return undefined;
  if (error === undefined) return undefined;
  const code = (error as { code?: unknown }).code;
  const name = (error as { name?: unknown }).name;
  // A per-attempt timeout surfaces as an AbortError while the caller's own signal is not aborted.
  if (name === 'AbortError') return 'network';
  return typeof code === 'string' && RETRIABLE_NETWORK_CODES.has(code) ? 'network' : undefined;
}

/** Milliseconds ARM asked us to wait, from the headers it uses; undefined when it said nothing usable. */
export function retryAfterMs(response: PipelineResponse | undefined, now = Date.now()): number | undefined {
  if (response === undefined) return undefined;
  for (const header of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = Number(response.headers.get(header));
    if (response.headers.get(header) !== undefined && Number.isFinite(value) && value >= 0) return value;
  }
  const raw = response.headers.get('retry-after');
  if (raw === undefined || raw.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw.trim())) return Number(raw.trim()) * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

function backoff(attempt: number, options: ArmRetryOptions, random: () => number): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  // Equal jitter: never less than half the step, so retries still back off while spreading out.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

function withJitter(ms: number, random: () => number): number {
  return Math.round(ms + random() * ms * 0.1);
}

export function abortableSleep(ms: number, signal: AbortSignalLike | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Error('The ARM request was aborted by the caller.'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('The ARM request was aborted by the caller.'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
