import type { ServerResponse } from 'node:http';
import type { FieldIssue } from '../../shared/errors';
import type { ProblemDetails } from '../../shared/http/problem';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  404: 'Not found',
  405: 'Method not allowed',
  413: 'Payload too large',
  415: 'Unsupported media type',
  500: 'Internal error',
  503: 'Service unavailable',
};

/**
 * Answers the host's own refusals (no such route, wrong method, bad webhook body) as problem+json
 * in the product's shape, so a client sees one error format whether the host or a function refused.
 * Function failures go through shared/http/problem instead.
 */
export function sendHostProblem(
  out: ServerResponse,
  problem: {
    readonly status: number;
    readonly code: string;
    readonly detail: string;
    readonly correlationId: string;
    readonly issues?: readonly FieldIssue[];
    readonly headers?: Record<string, string>;
  },
): void {
  const body: ProblemDetails = {
    type: `https://github.com/private-link-gatekeeper/problems/${problem.code}`,
    title: TITLES[problem.status] ?? 'Error',
    status: problem.status,
    detail: problem.detail,
    code: problem.code,
    correlationId: problem.correlationId,
    ...(problem.issues !== undefined && problem.issues.length > 0 ? { errors: problem.issues } : {}),
  };
  const text = JSON.stringify(body);
  out.writeHead(problem.status, {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
    'x-correlation-id': problem.correlationId,
    'content-length': Buffer.byteLength(text),
    ...problem.headers,
  });
  out.end(text);
}
