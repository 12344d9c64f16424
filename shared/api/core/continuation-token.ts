import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { AppError } from '../../errors';

/**
 * Opaque continuation tokens: base64url JSON of a versioned cursor, bound to the query it belongs
 * to by a fingerprint of the query's filters. A token is validated like any input: a token that is
 * not ours, of another version, or from another query is a 400 naming `continuationToken`. Tokens
 * are not signed; they carry only positions in data the caller may read anyway.
 */
export const TOKEN_VERSION = 1;
const MAX_TOKEN_LENGTH = 2048;
const FIELD = 'continuationToken';

export function encodeToken(cursor: object): string {
  return Buffer.from(JSON.stringify({ v: TOKEN_VERSION, ...cursor }), 'utf8').toString('base64url');
}

/** Parses a token with the cursor's schema (which must include `v`); undefined when none was given. */
export function decodeToken<T extends { v: number; f: string }>(
  token: string | undefined,
  schema: z.ZodType<T>,
  fingerprint: string,
): T | undefined {
  if (token === undefined) return undefined;
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token))
    throw invalid('not a continuation token');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not a continuation token');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalid('not a continuation token of this API version');
  if (parsed.data.f !== fingerprint) {
    throw invalid('the token belongs to a query with other filters; repeat the same filters or start over');
  }
  return parsed.data;
}

/** A short, stable digest of a query's filters (key order does not matter). */
export function fingerprintOf(filters: Readonly<Record<string, string | undefined>>): string {
  const canonical = Object.keys(filters)
    .sort()
    .map((key) => `${key}=${filters[key] ?? ''}`)
    .join('&');
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

export function invalidToken(message: string): AppError {
  return invalid(message);
}

function invalid(message: string): AppError {
  return new AppError('validation_failed', `Invalid ${FIELD}: ${message}.`, {
    issues: [{ path: FIELD, message }],
  });
}
