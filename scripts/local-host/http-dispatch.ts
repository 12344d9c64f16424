import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpResponse } from '@azure/functions';
import type { RegisteredFunction, RegisteredHttpFunction } from '../../shared/host/function-definition';
import { problemResponse } from '../../shared/http/problem';
import { rememberRemoteAddress } from '../../shared/http/remote-address';
import { sendHostProblem } from './host-problem';
import {
  BodyTooLargeError,
  readBody,
  toHttpRequest,
  toHttpResponse,
  writeHttpResponse,
} from './http-conversion';
import type { HostLogger } from './invocation-logger';
import { invoke } from './invoke';
import { compileRoute, pathSegments, RouteTable } from './route-table';

export function httpRouteTable(
  definitions: readonly RegisteredFunction[],
): RouteTable<RegisteredHttpFunction> {
  const http = definitions.filter((d): d is RegisteredHttpFunction => d.kind === 'http');
  // The host's default route is the function name.
  return new RouteTable(http.map((d) => compileRoute(d.options.route || d.name, d.options.methods, d)));
}

/**
 * Serves one request below the route prefix: route match (404/405 from the host), a real
 * HttpRequest and InvocationContext, the handler, and its HttpResponseInit/HttpResponse written back.
 * A handler that throws gets the product's problem+json with status 500 (or its AppError's status).
 */
export async function dispatchHttp(
  table: RouteTable<RegisteredHttpFunction>,
  routePath: string,
  url: URL,
  incoming: IncomingMessage,
  out: ServerResponse,
  logger: HostLogger,
  correlationId: string,
): Promise<void> {
  const method = (incoming.method ?? 'GET').toUpperCase();
  const segments = pathSegments(routePath);
  const match = segments === undefined ? ({ kind: 'notFound' } as const) : table.match(method, segments);
  if (match.kind === 'notFound') {
    sendHostProblem(out, {
      status: 404,
      code: 'not_found',
      detail: `No function serves ${method} ${url.pathname}.`,
      correlationId,
    });
    return;
  }
  if (match.kind === 'methodNotAllowed') {
    sendHostProblem(out, {
      status: 405,
      code: 'method_not_allowed',
      detail: `${url.pathname} accepts ${match.allow.join(', ')}, not ${method}.`,
      correlationId,
      headers: { allow: match.allow.join(', ') },
    });
    return;
  }
  let body: Buffer;
  try {
    body = await readBody(incoming);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      sendHostProblem(out, { status: 413, code: 'payload_too_large', detail: error.message, correlationId });
      return;
    }
    throw error;
  }
  const definition = match.route.target;
  const request = toHttpRequest(incoming, url, body, match.params);
  // From the socket, not from any header: dev mode serves loopback callers only (shared/auth).
  rememberRemoteAddress(request, incoming.socket.remoteAddress);
  const outcome = await invoke<HttpResponse>({
    logger,
    functionName: definition.name,
    trigger: 'http',
    detail: `${method} ${url.pathname}`,
    run: async (context) => toHttpResponse(await definition.handler(request, context)),
    describe: (response) => String(response.status),
  });
  const response = outcome.ok
    ? outcome.value
    : toHttpResponse(problemResponse(outcome.error, outcome.invocationId));
  await writeHttpResponse(response, out, method);
}
