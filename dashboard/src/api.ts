/*
 * Calls the app's own JSON routes (same origin, relative to /api/dashboard). When the page was
 * opened with `?code=<function key>`, the key is sent as `x-functions-key` on every call, because
 * the JSON routes require it (authLevel function) and a browser has no other way to hold it.
 * Writes always send a JSON body with `Content-Type: application/json` (the server refuses anything
 * else, which a cross-site form cannot send), and the server checks the principal on every call.
 */
import type { Problem } from './types';

export type ApiResult<T> =
  | {
      readonly ok: true;
      readonly status: number;
      readonly body: T;
      /** From `getLive`: false when the server answered 304 (the body is the one remembered). */
      readonly changed?: boolean;
    }
  | { readonly ok: false; readonly status: number; readonly problem: Problem };

/** The function key the page was opened with (`?code=`), if any; links that leave the page carry it too. */
export const functionKey = new URLSearchParams(window.location.search).get('code');

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return {
    accept: 'application/json',
    ...(functionKey === null ? {} : { 'x-functions-key': functionKey }),
    ...extra,
  };
}

/** No call waits longer than this: a live page must never pile up requests behind a stuck one. */
const REQUEST_TIMEOUT_MS = 20_000;

async function call<T>(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  extra: Record<string, string> = {},
): Promise<ApiResult<T> & { readonly etag?: string | null }> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      // The answers are no-store: a conditional GET is the page's own (getLive), never the cache's.
      cache: 'no-store',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      headers: headers({ ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extra }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    return { ok: false, status: 0, problem: { detail: 'The app could not be reached.' } };
  }
  if (response.status === 304) return { ok: true, status: 304, body: undefined as T, etag: null };
  let parsed: unknown;
  try {
    parsed = await response.json();
  } catch {
    parsed = undefined;
  }
  if (response.ok)
    return { ok: true, status: response.status, body: parsed as T, etag: response.headers.get('etag') };
  const problem = (parsed !== null && typeof parsed === 'object' ? parsed : {}) as Problem;
  return { ok: false, status: response.status, problem };
}

export const getJson = <T>(path: string): Promise<ApiResult<T>> => call<T>('GET', path);

/** The last body and ETag of each polled path (one page: a few entries). */
const remembered = new Map<string, { readonly etag: string; readonly body: unknown }>();

/**
 * A poll: GET with `If-None-Match` carrying the tag of the body this page already has; a 304 gives
 * that body back with `changed: false`, so the caller skips the redraw. Routes without ETags
 * simply answer 200 every time.
 */
export async function getLive<T>(path: string): Promise<ApiResult<T>> {
  const known = remembered.get(path);
  const result = await call<T>(
    'GET',
    path,
    undefined,
    known === undefined ? {} : { 'if-none-match': known.etag },
  );
  if (!result.ok) return result;
  if (result.status === 304) {
    if (known !== undefined) return { ok: true, status: 304, body: known.body as T, changed: false };
    // A 304 without a body to reuse cannot happen unless the tag was sent: ask again unconditionally.
    return getJson<T>(path);
  }
  if (typeof result.etag === 'string' && result.etag !== '')
    remembered.set(path, { etag: result.etag, body: result.body });
  else remembered.delete(path);
  return { ok: true, status: result.status, body: result.body, changed: true };
}
/** Always a JSON body (at least `{}`) with the JSON content type: the server refuses other writes. */
export const postJson = <T>(path: string, body: object, extraHeaders: Record<string, string> = {}) =>
  call<T>('POST', path, body, extraHeaders);

/** "Not there" (route not deployed on this app) rather than "failed". */
export function isMissingRoute(result: ApiResult<unknown>): boolean {
  return (
    !result.ok && (result.status === 404 || result.status === 405) && result.problem.code !== 'arm_not_found'
  );
}

export function describeProblem(result: ApiResult<unknown>): string {
  if (result.ok) return '';
  const { detail, code } = result.problem;
  return `${detail ?? 'Request failed'}${code === undefined ? '' : ` (${code}, HTTP ${result.status})`}`;
}
