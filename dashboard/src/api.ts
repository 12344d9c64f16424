import type { Problem } from './types';

/**
 * Calls the app's own JSON routes (same origin, relative to /api/dashboard). When the page was
 * opened with `?code=<function key>`, the key is sent as `x-functions-key` on every call, because
 * the JSON routes require it (authLevel function) and a browser has no other way to hold it.
 * Writes send JSON only, so a cross-site form can never trigger them (CSRF), and the server checks
 * the principal on every call.
 */

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

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
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
export const postJson = <T>(path: string, body: unknown) => call<T>('POST', path, body);

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
