/*
 * Conditional GET for the JSON routes a page polls (connections, decisions, the probe summary):
 * the answer carries a weak ETag of its body, and a request whose `If-None-Match` names that tag
 * gets 304 with no body (RFC 9110 §13.1.2: weak comparison for If-None-Match). The server still
 * computes the body, so a 304 saves the transfer, the parse and the redraw, not the reads; the
 * dashboard measured its polling with and without it (docs/dashboards.md, "Live updates").
 * Answers stay `no-store` (no browser keeps the data on disk): the page remembers the last tag and
 * body itself and sends the tag back.
 */
import { createHash } from 'node:crypto';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { json } from './http-adapter';

/**
 * A weak tag of the body without its `volatile` top-level keys (a `generatedAt` that changes on
 * every call would make every answer new). Weak: equal JSON, not equal bytes, is what it promises.
 */
export function jsonEtag(body: unknown, volatile: readonly string[] = []): string {
  const stable =
    volatile.length > 0 && body !== null && typeof body === 'object' && !Array.isArray(body)
      ? Object.fromEntries(Object.entries(body).filter(([key]) => !volatile.includes(key)))
      : body;
  const digest = createHash('sha256').update(JSON.stringify(stable)).digest('base64url').slice(0, 27);
  return `W/"${digest}"`;
}

/** True when `If-None-Match` lists `etag` (or `*`), compared weakly: `W/` prefixes are ignored. */
export function noneMatchHits(ifNoneMatch: string | null, etag: string): boolean {
  if (ifNoneMatch === null) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const wanted = opaque(etag);
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === wanted);
}

/** 200 with the body and its ETag, or 304 with only the ETag when the caller already holds that body. */
export function conditionalJson(
  request: Pick<HttpRequest, 'headers'>,
  body: unknown,
  volatile: readonly string[] = [],
): HttpResponseInit {
  const etag = jsonEtag(body, volatile);
  if (noneMatchHits(request.headers.get('if-none-match'), etag))
    return { status: 304, headers: { etag, 'cache-control': 'no-store' } };
  return json(200, body, { etag });
}
