import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { type Cookie, HttpRequest, HttpResponse, type HttpResponseInit } from '@azure/functions';

/** What the host accepts by default (100 MB in Azure); plenty for a local stand-in. */
export const MAX_REQUEST_BYTES = 100 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

export async function readBody(request: IncomingMessage, limit = MAX_REQUEST_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.byteLength;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Node's header object as the flat record the host passes: repeated headers joined with ", ". */
export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Query values the way the host maps them: one string per key, repeated keys joined with ",". */
export function queryRecord(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of new Set(url.searchParams.keys())) out[key] = url.searchParams.getAll(key).join(',');
  return out;
}

export function toHttpRequest(
  incoming: IncomingMessage,
  url: URL,
  body: Buffer,
  params: Record<string, string>,
): HttpRequest {
  return new HttpRequest({
    method: (incoming.method ?? 'GET').toUpperCase(),
    url: url.toString(),
    headers: flattenHeaders(incoming.headers),
    query: queryRecord(url),
    params,
    body: { bytes: body },
  });
}

/** The handler's result as an HttpResponse: a plain HttpResponseInit goes through the library's own conversion (jsonBody, status defaults). */
export function toHttpResponse(result: unknown): HttpResponse {
  if (result instanceof HttpResponse) return result;
  if (result === undefined || result === null) return new HttpResponse({});
  return new HttpResponse(result as HttpResponseInit);
}

export function serializeCookie(cookie: Cookie): string {
  const parts = [`${cookie.name}=${cookie.value}`];
  if (cookie.domain !== undefined) parts.push(`Domain=${cookie.domain}`);
  if (cookie.path !== undefined) parts.push(`Path=${cookie.path}`);
  if (cookie.expires !== undefined) {
    const date = typeof cookie.expires === 'number' ? new Date(cookie.expires) : cookie.expires;
    parts.push(`Expires=${date.toUTCString()}`);
  }
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${cookie.maxAge}`);
  if (cookie.secure === true) parts.push('Secure');
  if (cookie.httpOnly === true) parts.push('HttpOnly');
  if (cookie.sameSite !== undefined) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join('; ');
}

/** Writes an HttpResponse to the Node response: status, headers, cookies, then the body as a stream. */
export async function writeHttpResponse(
  response: HttpResponse,
  out: ServerResponse,
  method: string,
): Promise<void> {
  const cookies = [...response.headers.getSetCookie(), ...response.cookies.map(serializeCookie)];
  for (const [name, value] of response.headers) {
    if (name.toLowerCase() !== 'set-cookie') out.setHeader(name, value);
  }
  if (cookies.length > 0) out.setHeader('set-cookie', cookies);
  out.statusCode = response.status;
  const body = response.body;
  if (body === null || method.toUpperCase() === 'HEAD') {
    out.end();
    return;
  }
  await pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), out);
}
