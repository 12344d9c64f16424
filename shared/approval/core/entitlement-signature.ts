/*
 * The entitlement request's signature, both ways: the product signs, the provider's system (and the
 * lab's stand-in, and the tests) verifies. HMAC-SHA256 with the shared secret over
 * `<timestamp>.<body>`, the timestamp in Unix seconds: binding the time into the MAC lets the
 * receiver refuse a replayed request once it is stale, and the body is signed byte for byte as sent.
 * Header names and format are documented in docs/approval.md ("Entitlement check").
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const ENTITLEMENT_TIMESTAMP_HEADER = 'x-gatekeeper-timestamp';
export const ENTITLEMENT_SIGNATURE_HEADER = 'x-gatekeeper-signature';
/** The scheme prefix of the signature header's value: a later scheme can be sent beside it. */
const SCHEME = 'v1=';
/** How old (or how far ahead, for clock skew) a timestamp a receiver should accept: five minutes. */
export const ENTITLEMENT_MAX_AGE_SECONDS = 300;

export function entitlementSignature(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`, 'utf8').digest('hex');
  return `${SCHEME}${mac}`;
}

export type SignatureCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'missing' | 'stale' | 'mismatch' };

/** The receiver's check: a fresh timestamp and a matching MAC, compared in constant time. */
export function verifyEntitlementSignature(
  secret: string,
  headers: { readonly timestamp: string | undefined; readonly signature: string | undefined },
  body: string,
  nowSeconds: number,
): SignatureCheck {
  const { timestamp, signature } = headers;
  if (timestamp === undefined || signature === undefined || !/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: 'missing' };
  const at = Number(timestamp);
  if (Math.abs(nowSeconds - at) > ENTITLEMENT_MAX_AGE_SECONDS) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(entitlementSignature(secret, at, body), 'utf8');
  // Several schemes may be sent comma-separated; any v1 value that matches is enough.
  const offered = signature.split(',').map((v) => Buffer.from(v.trim(), 'utf8'));
  const matches = offered.some((v) => v.length === expected.length && timingSafeEqual(v, expected));
  return matches ? { ok: true } : { ok: false, reason: 'mismatch' };
}
