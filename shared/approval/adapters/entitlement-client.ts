/*
 * The entitlement check's HTTP client (I/O): one signed POST per connection to ENTITLEMENT_URL.
 * Every way it can go wrong ends as a `failed` fact with a one-line reason, never an exception and
 * never an approval: a timeout per attempt, a few retries with backoff for failures that may pass
 * (connection refused or reset, 429, 500, 502, 503, 504; not a timeout, which would only multiply
 * the wait), a cap on the answer's size, no redirects followed (undici's `request` follows none),
 * and the answer parsed by the schema in core/entitlement.ts. The secret stays in this closure: it
 * is not in any message, log line or error this module produces.
 */
import { request } from 'undici';
import type { Clock } from '../../clock';
import { redactor } from '../../redact/redact';
import {
  type EntitlementFact,
  type EntitlementSubject,
  entitlementRequestBody,
  parseEntitlementAnswer,
} from '../core/entitlement';
import {
  ENTITLEMENT_SIGNATURE_HEADER,
  ENTITLEMENT_TIMESTAMP_HEADER,
  entitlementSignature,
} from '../core/entitlement-signature';
import type { EntitlementVerifier } from '../use-cases/entitlement-check';

/** An answer is a few hundred bytes; anything much larger is not an answer. */
export const MAX_ENTITLEMENT_ANSWER_BYTES = 16 * 1024;
/** Attempts per connection (the first and two retries). */
export const ENTITLEMENT_ATTEMPTS = 3;
/** Calls in flight from this instance at most, across every PLS reconciled at once. */
export const ENTITLEMENT_MAX_IN_FLIGHT = 8;

const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);
const RETRYABLE_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

export interface EntitlementClientOptions {
  readonly url: URL;
  readonly secret: string;
  readonly timeoutMs: number;
  readonly clock: Clock;
  /** First retry delay; each further one doubles (with jitter). Tests make it small. */
  readonly retryBaseMs?: number;
  readonly attempts?: number;
  readonly maxInFlight?: number;
  readonly random?: () => number;
}

type Attempt =
  | { readonly kind: 'fact'; readonly fact: EntitlementFact }
  | { readonly kind: 'retry'; readonly fact: EntitlementFact };

export function createEntitlementClient(options: EntitlementClientOptions): EntitlementVerifier {
  const attempts = options.attempts ?? ENTITLEMENT_ATTEMPTS;
  const retryBaseMs = options.retryBaseMs ?? 250;
  const random = options.random ?? Math.random;
  const slots = semaphore(options.maxInFlight ?? ENTITLEMENT_MAX_IN_FLIGHT);
  const scrub = redactor([options.secret]);

  async function attempt(body: string, runSignal: AbortSignal): Promise<Attempt> {
    const timestamp = Math.floor(options.clock.now().getTime() / 1000);
    const timeout = AbortSignal.timeout(options.timeoutMs);
    try {
      const response = await request(options.url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'user-agent': 'private-link-gatekeeper',
          [ENTITLEMENT_TIMESTAMP_HEADER]: String(timestamp),
          [ENTITLEMENT_SIGNATURE_HEADER]: entitlementSignature(options.secret, timestamp, body),
        },
        signal: AbortSignal.any([runSignal, timeout]),
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      const status = response.statusCode;
      if (status !== 200) {
        await response.body.dump({ limit: MAX_ENTITLEMENT_ANSWER_BYTES }).catch(() => undefined);
        const fact = failed('http_status', `the entitlement endpoint answered HTTP ${status}`);
        return RETRYABLE_STATUSES.has(status) ? { kind: 'retry', fact } : { kind: 'fact', fact };
      }
      const text = await readCapped(response.body);
      if (text === undefined)
        return {
          kind: 'fact',
          fact: failed('too_large', `the answer is larger than ${MAX_ENTITLEMENT_ANSWER_BYTES} bytes`),
        };
      return { kind: 'fact', fact: withoutSecrets(parseEntitlementAnswer(text, options.clock.now()), scrub) };
    } catch (error) {
      if (runSignal.aborted) return { kind: 'fact', fact: budgetExhausted() };
      if (timeout.aborted || isTimeoutCode(error))
        return {
          kind: 'fact',
          fact: failed('timeout', `no answer within ${Math.round(options.timeoutMs / 1000)} s`),
        };
      const code = errorCode(error);
      const fact = failed('unreachable', `the entitlement endpoint could not be reached (${code})`);
      return RETRYABLE_ERRORS.has(code) ? { kind: 'retry', fact } : { kind: 'fact', fact };
    }
  }

  return {
    async ask(subject: EntitlementSubject, runSignal: AbortSignal): Promise<EntitlementFact> {
      const body = JSON.stringify(entitlementRequestBody(subject));
      const release = await slots.acquire(runSignal);
      if (release === undefined) return budgetExhausted();
      try {
        let last: EntitlementFact = budgetExhausted();
        for (let n = 0; n < attempts; n++) {
          if (n > 0 && !(await sleep(backoffMs(retryBaseMs, n, random), runSignal))) return budgetExhausted();
          const result = await attempt(body, runSignal);
          if (result.kind === 'fact') return result.fact;
          last = result.fact;
        }
        return withAttempts(last, attempts);
      } finally {
        release();
      }
    },
  };
}

function failed(
  failure: 'http_status' | 'too_large' | 'timeout' | 'unreachable',
  detail: string,
): EntitlementFact {
  return { outcome: 'failed', failure, detail };
}

/**
 * The answer's text is stored (audit, record) and written to ARM: one that repeats the signing
 * secret or carries something shaped like a credential is refused whole, not stored redacted.
 */
function withoutSecrets(fact: EntitlementFact, scrub: (text: string) => string): EntitlementFact {
  if (fact.outcome !== 'answered') return fact;
  const texts = [fact.customer, fact.description].filter((t): t is string => t !== undefined);
  if (texts.every((t) => scrub(t) === t)) return fact;
  return { outcome: 'failed', failure: 'malformed', detail: 'the answer carries a secret or a credential' };
}

function budgetExhausted(): EntitlementFact {
  return {
    outcome: 'failed',
    failure: 'run_budget_exhausted',
    detail: 'the time for entitlement checks in this run was used up before an answer came',
  };
}

function withAttempts(fact: EntitlementFact, attempts: number): EntitlementFact {
  return fact.outcome === 'failed' ? { ...fact, detail: `${fact.detail}, ${attempts} attempts` } : fact;
}

/** Exponential with full jitter over the upper half, at most two seconds: a retry must fit the run's budget. */
function backoffMs(baseMs: number, retry: number, random: () => number): number {
  const ceiling = Math.min(2_000, baseMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The body as text, or undefined once it passes the cap (the rest is not read). */
async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_ENTITLEMENT_ANSWER_BYTES) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function errorCode(error: unknown): string {
  const code =
    (error as { code?: unknown; cause?: { code?: unknown } }).code ??
    (error as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? code : 'REQUEST_FAILED';
}

function isTimeoutCode(error: unknown): boolean {
  const code = errorCode(error);
  return (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  );
}

/** Resolves true after `ms`, or false at once when the signal aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** At most `limit` holders; a waiter gives up (undefined) when its signal aborts. */
function semaphore(limit: number) {
  let held = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    held--;
    waiting.shift()?.();
  };
  return {
    async acquire(signal: AbortSignal): Promise<(() => void) | undefined> {
      while (held >= limit) {
        if (signal.aborted) return undefined;
        const woken = await new Promise<boolean>((resolve) => {
          const wake = () => {
            signal.removeEventListener('abort', onAbort);
            resolve(true);
          };
          const onAbort = () => {
            const i = waiting.indexOf(wake);
            if (i >= 0) waiting.splice(i, 1);
            resolve(false);
          };
          waiting.push(wake);
          signal.addEventListener('abort', onAbort, { once: true });
        });
        if (!woken) return undefined;
      }
      if (signal.aborted) return undefined;
      held++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        release();
      };
    },
  };
}
