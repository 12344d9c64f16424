/*
 * What makes an onboarding code good for one connection, given its server-side record: not revoked,
 * not expired, issued for this PLS (when issued for one), and a free place in its connection count,
 * or a place this very connection already holds (a connection counts once however often it is
 * re-evaluated). Pure: the store runs `claimPlace` inside its optimistic read-modify-write.
 */
import { createHash } from 'node:crypto';
import { sameResourceId } from '../../arm/resource-id';

/** A code is an invitation, not a standing credential: it lasts at most this long. */
export const MAX_CODE_DAYS = 365;
/** The most connections one code may onboard (its places are kept in one row). */
export const MAX_CODE_CONNECTIONS = 100;

/** Why a code did not make a connection's onboarding code valid; audited as is (never the code). */
export const CODE_REASONS = [
  /** The prefix was there but no well-formed code, or the MAC is wrong, or no record has its id. */
  'code_invalid',
  /** Two different codes in one message. */
  'code_ambiguous',
  'code_expired',
  'code_revoked',
  /** Every place of its `maxConnections` is taken by other connections. */
  'code_exhausted',
  /** Issued for another Private Link Service. */
  'code_wrong_pls',
  /** Storage could not be read or written: the code could not be checked (fail closed, next run retries). */
  'code_unchecked',
  /** No onboarding code key is configured: codes cannot be verified. */
  'code_keys_missing',
] as const;
export type CodeReason = (typeof CODE_REASONS)[number];

/** What the policy sees about a connection's onboarding code (`facts.onboardingCode`). */
export type OnboardingCodeFact =
  | { readonly valid: true; readonly codeId: string; readonly customer: string }
  | { readonly valid: false; readonly reason: CodeReason; readonly codeId?: string | undefined };

/** A code's server-side record: everything but the code itself. */
export interface OnboardingCodeRecord {
  readonly id: string;
  readonly customer: string;
  /** The PLS it was issued for, a name or a resource id as given; undefined: any managed PLS. */
  readonly pls: string | undefined;
  readonly expiresAt: string;
  readonly maxConnections: number;
  readonly issuedAt: string;
  readonly issuedBy: string;
  /** The key id the code was signed with (tells which codes a key rotation affects). */
  readonly keyId: string;
  /** codeFingerprint(code): lets support match a pasted code to this record. */
  readonly fingerprint: string;
  readonly revokedAt: string | undefined;
  readonly revokedBy: string | undefined;
  /** One-way keys (placeKey) of the connections that hold a place. */
  readonly places: readonly string[];
}

export interface ConnectionForCode {
  readonly plsId: string;
  readonly plsName: string;
  /** The connection's full resource id. */
  readonly connectionId: string;
}

/** A connection's place in a code's count: a hash of its id, so records list no connection names. */
export function placeKey(connectionId: string): string {
  return createHash('sha256').update(connectionId.toLowerCase()).digest('hex').slice(0, 16);
}

export function issuedForPls(
  record: Pick<OnboardingCodeRecord, 'pls'>,
  connection: ConnectionForCode,
): boolean {
  if (record.pls === undefined) return true;
  if (record.pls.startsWith('/')) return sameResourceId(record.pls, connection.plsId);
  return record.pls.toLowerCase() === connection.plsName.toLowerCase();
}

export type PlaceDecision =
  | { readonly ok: true; readonly places: readonly string[] | undefined }
  | { readonly ok: false; readonly reason: CodeReason };

/**
 * How a check uses the count: `take` a free place for a Pending connection (enforce mode), only
 * `check` there is one (dry-run: nothing written), or require the place to be `held` already (an
 * approved connection re-checked: its message kept only the code's id, so the place taken when its
 * MAC was verified is the proof).
 */
export type PlaceMode = 'take' | 'check' | 'held';

/**
 * Whether the connection may use the code, and the places to write when it takes a new one
 * (undefined: nothing to write). A connection already counted keeps its place unless the code was
 * revoked: its place was given before any expiry, and exhaustion is about other connections.
 */
export function claimPlace(
  record: OnboardingCodeRecord,
  connection: ConnectionForCode,
  now: Date,
  mode: PlaceMode,
): PlaceDecision {
  if (record.revokedAt !== undefined) return { ok: false, reason: 'code_revoked' };
  if (!issuedForPls(record, connection)) return { ok: false, reason: 'code_wrong_pls' };
  const key = placeKey(connection.connectionId);
  if (record.places.includes(key)) return { ok: true, places: undefined };
  if (mode === 'held') return { ok: false, reason: 'code_invalid' };
  if (Date.parse(record.expiresAt) <= now.getTime()) return { ok: false, reason: 'code_expired' };
  if (record.places.length >= record.maxConnections) return { ok: false, reason: 'code_exhausted' };
  return { ok: true, places: mode === 'take' ? [...record.places, key] : undefined };
}

/** Words for a reason, for the verdict's one-line reason and the docs. */
export const CODE_REASON_WORDS: Readonly<Record<CodeReason, string>> = {
  code_invalid: 'the onboarding code is not valid (malformed, wrong signature or unknown)',
  code_ambiguous: 'the request message holds more than one onboarding code',
  code_expired: 'the onboarding code has expired',
  code_revoked: 'the onboarding code was revoked',
  code_exhausted: 'the onboarding code has no connection left',
  code_wrong_pls: 'the onboarding code was issued for another Private Link Service',
  code_unchecked: 'the onboarding code could not be checked (storage unavailable)',
  code_keys_missing: 'no onboarding code key is configured',
};
