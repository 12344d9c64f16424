import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { zodIssues } from '../config/schema-issues';
import { AppError, toAppError } from '../errors';
import { MAX_BODY_BYTES } from './body-limits';
import { problemResponse } from './problem';
import { type AllowedHosts, guardWrite } from './write-guard';

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's correlation id when it is well-formed, else the invocation id: every response carries one. */
export function correlationIdOf(request: HttpRequest, context: InvocationContext): string {
  const given = request.headers.get('x-correlation-id') ?? request.headers.get('x-ms-client-request-id');
  return given !== null && CORRELATION_ID.test(given) ? given : context.invocationId;
}

export type RouteHandler = (
  request: HttpRequest,
  context: InvocationContext,
  correlationId: string,
) => Promise<HttpResponseInit>;

/**
 * Wraps a route so every failure leaves as problem+json from one mapping, with a correlation id,
 * and never with a stack trace or an SDK message. Unexpected errors are logged with the id so the
 * response can be matched to the log line. `allowedHosts` (the app's host names, from its
 * configuration) is what lets a route accept writes at all: see `guardWrite`.
 */
export function httpRoute(handler: RouteHandler, allowedHosts?: () => AllowedHosts) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const correlationId = correlationIdOf(request, context);
    try {
      guardWrite(request.method, request.headers, request.url, allowedHosts);
      const response = await handler(request, context, correlationId);
      return {
        ...response,
        headers: apiHeaders(response.headers as Record<string, string> | undefined, correlationId),
      };
    } catch (thrown) {
      const error = toAppError(thrown);
      if (error.status >= 500) {
        context.error(
          JSON.stringify({
            event: 'http.error',
            code: error.code,
            correlationId,
            detail: error.message,
            cause: causeName(error),
          }),
        );
      }
      return problemResponse(error, correlationId);
    }
  };
}

/**
 * Every answer: the correlation id, `nosniff` (a JSON body is never run as script or sniffed into
 * HTML), and `no-store` unless the route chose its own caching (the dashboard's hashed assets).
 */
function apiHeaders(
  given: Record<string, string> | undefined,
  correlationId: string,
): Record<string, string> {
  const headers: Record<string, string> = { ...given };
  const has = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);
  if (!has('cache-control')) headers['cache-control'] = 'no-store';
  headers['x-content-type-options'] = 'nosniff';
  headers['x-correlation-id'] = correlationId;
  return headers;
}

function causeName(error: AppError): string | undefined {
  const cause = error.cause;
  return cause instanceof Error ? cause.name : undefined;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'cache-control': 'no-store', ...headers } };
}

/** Reads a JSON body under the size limit and parses it with a schema; every problem names its field. */
export async function readJsonBody<T>(request: HttpRequest, schema: z.ZodType<T>): Promise<T> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new AppError('unsupported_media_type', 'The body must be JSON (Content-Type: application/json).', {
      issues: [{ path: 'Content-Type', message: 'expected application/json' }],
    });
  }
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const buffer = Buffer.from(await request.arrayBuffer());
  if (buffer.byteLength > MAX_BODY_BYTES) throw tooLarge();
  let value: unknown;
  try {
    value = buffer.byteLength === 0 ? {} : JSON.parse(buffer.toString('utf8'));
  } catch {
    throw new AppError('validation_failed', 'The body is not valid JSON.', {
      issues: [{ path: '(body)', message: 'expected valid JSON' }],
    });
  }
  return parseInput(schema, value, 'body');
}

/** Parses route parameters or query values with a schema; the root names where the value came from. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, root: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = zodIssues(result.error, root);
  throw new AppError(
    'validation_failed',
    `Invalid ${root}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    { issues },
  );
}

function tooLarge(): AppError {
  return new AppError('payload_too_large', `The body exceeds ${MAX_BODY_BYTES} bytes.`, {
    issues: [{ path: '(body)', message: `expected at most ${MAX_BODY_BYTES} bytes` }],
  });
}

export function queryObject(request: HttpRequest): Record<string, string> {
  return Object.fromEntries(request.query.entries());
}
