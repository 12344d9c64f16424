/*
 * What one attempt's response carried: status, headers, how many body bytes, their SHA-256, the
 * first KiB (kept for a failed attempt's evidence) and, only when an assertion reads it, the whole
 * body. The attempt decides when a response is too large or too slow; this only records it.
 */
import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';

const EXCERPT_BYTES = 1024;
/** Response headers kept on every attempt besides `server` and the ones assertions name. */
const KEPT_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'location',
  'x-powered-by',
  'retry-after',
  'x-azure-ref',
];

/** Response headers as undici hands them to a handler: lower-case names, repeated ones as arrays. */
export type IncomingHttpHeaders = Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>[2];

export class AttemptResponse {
  /** null until a final (non-1xx) response's headers arrive. */
  statusCode: number | null = null;
  headers: Record<string, string> = {};
  bytes = 0;
  private readonly hash = createHash('sha256');
  private readonly excerpt: Buffer[] = [];
  private excerptBytes = 0;
  private body: Buffer[] | null = null;

  /** The final response's status and headers; `keepBody` when an assertion will read the body. */
  start(statusCode: number, headers: IncomingHttpHeaders, keepBody: boolean): void {
    this.statusCode = statusCode;
    this.headers = headerMap(headers);
    if (keepBody) this.body = [];
  }

  /** The length the server declared, when it declared a number. */
  declaredLength(): number | null {
    const declared = Number(this.headers['content-length']);
    return Number.isFinite(declared) ? declared : null;
  }

  /** Counts a chunk and keeps it; false (keeping nothing) once the body exceeds `maxBytes`. */
  add(chunk: Buffer, maxBytes: number): boolean {
    this.bytes += chunk.length;
    if (this.bytes > maxBytes) return false;
    this.hash.update(chunk);
    if (this.excerptBytes < EXCERPT_BYTES) {
      const part = chunk.subarray(0, EXCERPT_BYTES - this.excerptBytes);
      this.excerpt.push(part);
      this.excerptBytes += part.length;
    }
    this.body?.push(chunk);
    return true;
  }

  /** The whole body as text, or null when no assertion asked for it to be kept. */
  bodyText(): string | null {
    return this.body === null ? null : Buffer.concat(this.body).toString('utf8');
  }

  /** The first KiB of the body as text, or null when none arrived. */
  excerptText(): string | null {
    return this.excerptBytes > 0 ? Buffer.concat(this.excerpt).toString('utf8') : null;
  }

  /** Once only: a hash cannot be read twice. */
  sha256(): string {
    return this.hash.digest('hex');
  }

  /** The headers worth keeping on the result (long values cut), plus the ones assertions name. */
  kept(assertedNames: readonly string[]): Record<string, string> {
    const names = new Set([...KEPT_HEADERS, ...assertedNames]);
    const kept: Record<string, string> = {};
    for (const name of names) {
      const value = this.headers[name];
      if (value !== undefined) kept[name] = value.length > 256 ? `${value.slice(0, 253)}...` : value;
    }
    return kept;
  }
}

/** One string per header name: undici gives repeated headers as an array, joined here as HTTP joins them. */
function headerMap(parsed: IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
