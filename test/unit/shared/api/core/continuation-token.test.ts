import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeToken, encodeToken, fingerprintOf } from '../../../../../shared/api/core/continuation-token';
import { appErrorOf } from '../../../../helpers/app-errors';

const cursor = z.object({ v: z.literal(1), f: z.string(), p: z.string(), a: z.string() }).strict();

describe('continuation tokens', () => {
  const f = fingerprintOf({ status: 'pending', pls: undefined });

  it('round-trips a cursor as an opaque base64url string', () => {
    const token = encodeToken({ f, p: 'pls-a', a: 'pe-1.x' });
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeToken(token, cursor, f)).toEqual({ v: 1, f, p: 'pls-a', a: 'pe-1.x' });
    expect(decodeToken(undefined, cursor, f)).toBeUndefined();
  });

  it('binds a token to its filters', () => {
    const token = encodeToken({ f, p: 'pls-a', a: 'pe-1.x' });
    const other = fingerprintOf({ status: 'approved', pls: undefined });
    expect(other).not.toBe(f);
    expect(appErrorOf(() => decodeToken(token, cursor, other)).issues[0]?.path).toBe('continuationToken');
    expect(fingerprintOf({ a: '1', b: '2' })).toBe(fingerprintOf({ b: '2', a: '1' }));
  });

  it.each([
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['another version', Buffer.from(JSON.stringify({ v: 2, f: 'x', p: 'p', a: 'a' })).toString('base64url')],
    [
      'extra fields',
      Buffer.from(JSON.stringify({ v: 1, f: 'x', p: 'p', a: 'a', admin: true })).toString('base64url'),
    ],
    ['too long', 'A'.repeat(5000)],
  ])('refuses a token that is %s with 400', (_label, token) => {
    const error = appErrorOf(() => decodeToken(token, cursor, 'x'));
    expect(error.status).toBe(400);
    expect(error.issues[0]?.path).toBe('continuationToken');
  });
});
