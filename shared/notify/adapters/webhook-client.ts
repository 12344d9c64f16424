import { request } from 'undici';
import type { RenderedPayload } from '../core/payloads';

/**
 * One POST to a webhook (I/O). No redirects are followed (a webhook that moved must be
 * reconfigured, not silently followed with the payload), the whole call is bounded, and the
 * result carries only a status and an error code: never the URL (it is the secret) or a body.
 */
export interface WebhookResponse {
  readonly ok: boolean;
  readonly status: number | null;
  /** errno / undici code when no response came (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, TIMEOUT). */
  readonly errorCode: string | null;
  readonly retryAfterSeconds: number | undefined;
  readonly durationMs: number;
}

export async function postWebhook(
  url: URL,
  payload: RenderedPayload,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<WebhookResponse> {
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await request(url, {
      method: 'POST',
      body: JSON.stringify(payload.body),
      headers: { 'content-type': payload.contentType, 'user-agent': 'private-link-gatekeeper', ...headers },
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    // The body is drained but never kept: a webhook may echo things we must not log.
    await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    const status = response.statusCode;
    return {
      ok: status >= 200 && status < 300,
      status,
      errorCode: null,
      retryAfterSeconds: retryAfter(response.headers['retry-after']),
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    const code = signal.aborted ? 'TIMEOUT' : ((error as { code?: unknown }).code ?? 'REQUEST_FAILED');
    return {
      ok: false,
      status: null,
      errorCode: typeof code === 'string' ? code.slice(0, 64) : 'REQUEST_FAILED',
      retryAfterSeconds: undefined,
      durationMs: Math.round(performance.now() - started),
    };
  }
}

function retryAfter(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(3600, Math.ceil(seconds));
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.min(3600, Math.max(0, Math.ceil((at - Date.now()) / 1000)));
}
