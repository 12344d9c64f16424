/* HTTP helpers of the emulator: reading requests and writing ARM-shaped answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorJson } from './arm-json';
import { EmulatorError } from './world';

const MAX_BODY_BYTES = 1024 * 1024;

export function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseJsonBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new EmulatorError(
      400,
      'InvalidRequestContent',
      'The request content was invalid and could not be deserialized.',
    );
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-cache',
  });
  response.end(text);
}

export function sendError(
  response: ServerResponse,
  status: number,
  code: string,
  message: string,
  details?: readonly { readonly code: string; readonly message: string }[],
): void {
  sendJson(response, status, errorJson(code, message, details));
}

export function sendEmulatorError(response: ServerResponse, error: EmulatorError): void {
  if (error.retryAfterSeconds !== undefined)
    response.setHeader('Retry-After', String(error.retryAfterSeconds));
  sendError(response, error.status, error.code, error.message, error.details);
}

export function sendEmpty(response: ServerResponse, status: 202 | 204): void {
  response.writeHead(status).end();
}

/** The bearer token of the request, if it carries one the emulator accepts. */
export function acceptedToken(
  request: IncomingMessage,
  expectedToken: string | undefined,
): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)$/.exec(header);
  if (match === null || match[1] === undefined) return undefined;
  return expectedToken === undefined || match[1] === expectedToken ? match[1] : undefined;
}

/** ARM's 401: the challenge names the authority of the subscription's tenant when ARM knows it. */
export function challenge(response: ServerResponse, tenantId: string | undefined, tokenGiven: boolean): void {
  const description = tokenGiven
    ? 'The access token is invalid.'
    : "The authentication failed because of missing 'Authorization' header.";
  response.setHeader(
    'WWW-Authenticate',
    `Bearer authorization_uri="https://login.windows.net/${tenantId ?? ''}", error="invalid_token", error_description="${description}"`,
  );
  if (tokenGiven) sendError(response, 401, 'InvalidAuthenticationToken', 'The access token is invalid.');
  else
    sendError(
      response,
      401,
      'AuthenticationFailed',
      "Authentication failed. The 'Authorization' header is missing.",
    );
}
