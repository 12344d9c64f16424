/*
 * Signed onboarding codes: what an approver hands a customer to paste into the private endpoint's
 * request message. The code is the only thing the product trusts in that message, so it carries a
 * MAC over its own id under a key only the app holds; everything else (customer, PLS, expiry,
 * maximum) is kept server-side under the id.
 *
 *   PLG-<key id: 1><code id: 13><MAC: 20>        38 characters, e.g. PLG-7M3K8Q2R0W9X4TNJ5CV6B1DZ3F8YH2MPAB
 *
 * Size: ARM allows 140 characters of request message (DESIGN.md facts), so a 38-character code leaves
 * about 100 for words ("Contoso prod, ticket 4711 PLG-…").
 * Alphabet: Crockford's base 32 (digits and upper-case letters without I, L, O, U), so nothing in
 * it can be misread for something else; parsing is case-insensitive.
 * MAC: HMAC-SHA256 truncated to its first 100 bits (20 base-32 characters; NIST SP 800-107 allows
 * truncation to any length of at least 32 bits, the brief asks at least 96), compared in constant
 * time. The key id is the first base-32 character of a hash of the key, so a code names the key
 * that signed it and two keys (current and previous) are valid at once during a rotation.
 * Pure: node:crypto only, no I/O.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const CODE_PREFIX = 'PLG-';
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 64 random bits: 13 base-32 characters (65 bits, the top one always 0). */
export const CODE_ID_LENGTH = 13;
/** 100 bits of HMAC-SHA256 (≥ 96). */
export const CODE_MAC_LENGTH = 20;
export const CODE_BODY_LENGTH = 1 + CODE_ID_LENGTH + CODE_MAC_LENGTH;
export const CODE_LENGTH = CODE_PREFIX.length + CODE_BODY_LENGTH;
/** Keys shorter than this are refused by the setting's rule (HMAC keys should be at least the hash's 32 bytes). */
export const MIN_KEY_LENGTH = 32;

/** Separates this MAC's inputs from any other use of the same key. */
const MAC_CONTEXT = 'plg-onboarding-code/v1';

export interface SigningKey {
  /** One base-32 character derived from the secret. */
  readonly id: string;
  readonly secret: Buffer;
}

export interface ParsedCode {
  readonly keyId: string;
  /** The code's id (13 base-32 characters): the key of its server-side record. */
  readonly id: string;
  readonly mac: string;
}

/** A signing key from a setting's value; its id is derived, so the setting holds the secret alone. */
export function signingKey(secret: string): SigningKey {
  const digest = createHash('sha256').update('plg-onboarding-key-id').update(secret, 'utf8').digest();
  return { id: CODE_ALPHABET[(digest[0] as number) & 31] as string, secret: Buffer.from(secret, 'utf8') };
}

/** A new code signed with `key`: the id is random, the MAC binds it to the key. */
export function issueCode(
  key: SigningKey,
  random: (n: number) => Buffer = randomBytes,
): {
  readonly id: string;
  readonly code: string;
} {
  const id = encodeBase32(random(8), CODE_ID_LENGTH);
  return { id, code: `${CODE_PREFIX}${key.id}${id}${macOf(key, id)}` };
}

/** The MAC characters for a code id under a key. */
export function macOf(key: SigningKey, id: string): string {
  const digest = createHmac('sha256', key.secret).update(`${MAC_CONTEXT}|${key.id}|${id}`).digest();
  return encodeBase32(digest.subarray(0, 13), CODE_MAC_LENGTH);
}

/**
 * Whether the code's MAC is right under one of the keys that carry its key id (normally one; two
 * when the current and previous keys' ids collide). Constant time per key: every candidate is
 * compared whole with timingSafeEqual, so the time says nothing about how much of a forgery was right.
 */
export function verifyMac(parsed: ParsedCode, keys: readonly SigningKey[]): boolean {
  let ok = false;
  const given = Buffer.from(parsed.mac, 'ascii');
  for (const key of keys) {
    if (key.id !== parsed.keyId) continue;
    const expected = Buffer.from(macOf(key, parsed.id), 'ascii');
    // Both are CODE_MAC_LENGTH ASCII characters by construction, so the lengths always agree.
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}

/** Parses one code (whole string, case-insensitive, surrounding spaces ignored); undefined when it is not one. */
export function parseCode(text: string): ParsedCode | undefined {
  const upper = text.trim().toUpperCase();
  if (upper.length !== CODE_LENGTH || !upper.startsWith(CODE_PREFIX)) return undefined;
  const body = upper.slice(CODE_PREFIX.length);
  for (const char of body) if (!CODE_ALPHABET.includes(char)) return undefined;
  return splitBody(body);
}

/** Whether a code id is well formed (the API's revoke route takes one). */
export function isCodeId(text: string): boolean {
  if (text.length !== CODE_ID_LENGTH) return false;
  for (const char of text.toUpperCase()) if (!CODE_ALPHABET.includes(char)) return false;
  // 13 characters carry 65 bits: an id from 64 random bits starts with 0-F.
  return CODE_ALPHABET.indexOf((text[0] as string).toUpperCase()) < 16;
}

export type FoundCodes =
  | { readonly kind: 'none' }
  | { readonly kind: 'one'; readonly code: ParsedCode }
  /** Two different codes in one message: ambiguous, so neither counts. */
  | { readonly kind: 'several' }
  /** The prefix is there but what follows is not a code (mistyped, cut short): reported as invalid. */
  | { readonly kind: 'malformed' };

/**
 * Finds the code in a request message written by anyone. One pass over the text (indexOf of the
 * prefix, then a fixed-length check), so hostile input costs time linear in its length: no
 * regular expression, no backtracking. The code must stand alone: a letter or digit right before
 * or after it means it is part of a longer word, which is malformed.
 */
export function findCode(message: string | undefined): FoundCodes {
  if (message === undefined) return { kind: 'none' };
  const upper = message.toUpperCase();
  let found: ParsedCode | undefined;
  let malformed = false;
  let from = 0;
  for (;;) {
    const at = upper.indexOf(CODE_PREFIX, from);
    if (at < 0) break;
    from = at + CODE_PREFIX.length;
    const before = at === 0 ? '' : (upper[at - 1] as string);
    if (isWordChar(before)) {
      malformed = true;
      continue;
    }
    const body = upper.slice(from, from + CODE_BODY_LENGTH);
    const after = upper[from + CODE_BODY_LENGTH] ?? '';
    if (body.length < CODE_BODY_LENGTH || !allInAlphabet(body) || isWordChar(after)) {
      malformed = true;
      continue;
    }
    const parsed = splitBody(body);
    if (found !== undefined && (found.id !== parsed.id || found.mac !== parsed.mac))
      return { kind: 'several' };
    found = parsed;
    from += CODE_BODY_LENGTH;
  }
  if (found !== undefined) return { kind: 'one', code: found };
  return malformed ? { kind: 'malformed' } : { kind: 'none' };
}

function splitBody(body: string): ParsedCode {
  return {
    keyId: body.slice(0, 1),
    id: body.slice(1, 1 + CODE_ID_LENGTH),
    mac: body.slice(1 + CODE_ID_LENGTH),
  };
}

function allInAlphabet(text: string): boolean {
  for (const char of text) if (!CODE_ALPHABET.includes(char)) return false;
  return true;
}

function isWordChar(char: string): boolean {
  return char !== '' && /[A-Z0-9]/.test(char);
}

/** Big-endian base 32 of `bytes`, left-padded with zeros to `length` characters. */
export function encodeBase32(bytes: Uint8Array, length: number): string {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  let out = '';
  for (let i = 0; i < length; i++) {
    out = (CODE_ALPHABET[Number(value & 31n)] as string) + out;
    value >>= 5n;
  }
  return out;
}

/**
 * A one-way fact about a code, kept in its record so support can match a code a customer pastes to
 * its record without the record holding the code: SHA-256 of the normalised code, first 16 hex digits.
 * Without the key, the MAC (and so the code) cannot be found from it.
 */
export function codeFingerprint(code: string): string {
  return createHash('sha256').update(code.trim().toUpperCase()).digest('hex').slice(0, 16);
}

const MASK_OPEN = '[onboarding code ';

/**
 * The message with every code (and anything that starts like one) replaced by
 * `[onboarding code <id>]`: what the product stores, logs and shows instead of the consumer's message.
 * The id alone proves nothing (the MAC does), and lets a person find the code's record. One pass.
 */
export function maskCodes(message: string): string {
  const upper = message.toUpperCase();
  let out = '';
  let from = 0;
  for (;;) {
    const at = upper.indexOf(CODE_PREFIX, from);
    if (at < 0) break;
    let end = at + CODE_PREFIX.length;
    while (end < upper.length && isWordChar(upper[end] as string)) end++;
    const body = upper.slice(at + CODE_PREFIX.length, end);
    const id = body.length === CODE_BODY_LENGTH && allInAlphabet(body) ? splitBody(body).id : undefined;
    out += `${message.slice(from, at)}${MASK_OPEN}${id ?? 'malformed'}]`;
    from = end;
  }
  return out + message.slice(from);
}

/** What a message tells about a code: found in clear (while Pending), or an id its mask kept (later). */
export type CodeReference = FoundCodes | { readonly kind: 'masked'; readonly id: string };

export function codeReference(message: string | undefined): CodeReference {
  const found = findCode(message);
  if (found.kind !== 'none' || message === undefined) return found;
  const at = message.indexOf(MASK_OPEN);
  if (at < 0) return { kind: 'none' };
  const id = message.slice(at + MASK_OPEN.length, at + MASK_OPEN.length + CODE_ID_LENGTH);
  return isCodeId(id) && message[at + MASK_OPEN.length + CODE_ID_LENGTH] === ']'
    ? { kind: 'masked', id }
    : { kind: 'none' };
}
