import type { HttpResponseInit } from '@azure/functions';
import { type AppError, type FieldIssue, toAppError } from '../errors';

/** RFC 9457 problem details, with our stable `code` and the offending fields. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly correlationId: string;
  readonly errors?: readonly FieldIssue[];
}

const PROBLEM_TYPE_BASE = 'https://github.com/private-link-gatekeeper/problems/';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  412: 'Precondition failed',
  413: 'Payload too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
  500: 'Internal error',
  502: 'Bad gateway',
  503: 'Service unavailable',
};

export function toProblem(error: AppError, correlationId: string): ProblemDetails {
  // 5xx details are generic unless the error was raised by our own code with a safe message.
  return {
    type: `${PROBLEM_TYPE_BASE}${error.code}`,
    title: TITLES[error.status] ?? 'Error',
    status: error.status,
    detail: error.message,
    code: error.code,
    correlationId,
    ...(error.issues.length > 0 ? { errors: error.issues } : {}),
  };
}

export function problemResponse(thrown: unknown, correlationId: string): HttpResponseInit {
  const error = toAppError(thrown);
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json',
    'x-correlation-id': correlationId,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
  if (error.retryAfterSeconds !== undefined)
    headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
  return { status: error.status, headers, jsonBody: toProblem(error, correlationId) };
}
