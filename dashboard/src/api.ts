/*
 * Calls the app's own JSON routes (same origin, relative to /api/dashboard). When the page was
 * opened with `?code=<function key>`, the key is sent as `x-functions-key` on every call, because
 * the JSON routes require it (authLevel function) and a browser has no other way to hold it.
 * Writes always send a JSON body with `Content-Type: application/json` (the server refuses anything
 * else, which a cross-site form cannot send), and the server checks the principal on every call.
 */
import type { Problem } from './types';

export type ApiResult<T> =
  | { readonly ok: true; readonly status: number; readonly body: T }
  | { readonly ok: false; readonly status: number; readonly problem: Problem };

const functionKey = new URLSearchParams(window.location.search).get('code');

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return {
    accept: 'application/json',
    ...(functionKey === null ? {} : { 'x-functions-key': functionKey }),
    ...extra,
  };
}

async function call<T>(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  extra: Record<string, string> = {},
): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: headers({ ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extra }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    return { ok: false, status: 0, problem: { detail: 'The app could not be reached.' } };
  }
  let parsed: unknown;
  try {
    parsed = await response.json();
  } catch {
    parsed = undefined;
  }
  if (response.ok) return { ok: true, status: response.status, body: parsed as T };
  const problem = (parsed !== null && typeof parsed === 'object' ? parsed : {}) as Problem;
  return { ok: false, status: response.status, problem };
}

export const getJson = <T>(path: string) => call<T>('GET', path);
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
