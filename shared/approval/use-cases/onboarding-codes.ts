/*
 * Onboarding codes' use cases: issue, list and revoke (the API, approver role), and the check the
 * reconciliation makes before the pure policy evaluation, whose result enters it as
 * `facts.onboardingCode`. The check trusts nothing in the request message but the code: its MAC
 * under one of the app's keys first (no storage read for a forgery), then its record.
 */
import { mapWithConcurrency } from '../../async/map-with-concurrency';
import type { Clock } from '../../clock';
import { AppError, toAppError } from '../../errors';
import { type Log, logEvent } from '../../log';
import type { CapturedConnection } from '../core/captured-connection';
import { codeFingerprint, issueCode, type SigningKey, verifyMac } from '../core/onboarding-code';
import {
  type CodeReason,
  MAX_CODE_DAYS,
  type OnboardingCodeFact,
  type OnboardingCodeRecord,
  type PlaceMode,
} from '../core/onboarding-code-rules';
import type { OnboardingCodeStore } from '../storage/onboarding-code-store';

/** The signing keys: the current one signs, every one verifies. Undefined: codes are off (no key set). */
export interface CodeKeys {
  readonly current: SigningKey;
  readonly all: readonly SigningKey[];
}

/** What checking codes needs. */
export interface OnboardingCodeCheckPorts {
  readonly codes: Pick<OnboardingCodeStore, 'claim'>;
  /** Throws `config_invalid` while the key settings are bad; undefined when none is set. */
  codeKeys(): CodeKeys | undefined;
  readonly clock: Clock;
}

/** What the API's routes need. */
export interface OnboardingCodeAdminPorts {
  readonly codes: Pick<OnboardingCodeStore, 'create' | 'list' | 'revoke'>;
  codeKeys(): CodeKeys | undefined;
  readonly clock: Clock;
}

/** How many code records one PLS's check reads at once. */
const CHECKS_IN_FLIGHT = 8;

export interface IssueRequest {
  readonly customer: string;
  readonly pls: string | undefined;
  readonly expiresAt: Date;
  readonly maxConnections: number;
  readonly issuedBy: string;
}

/** Issues a code: the record is stored first, so a code is never handed out without one. */
export async function issueOnboardingCode(
  ports: OnboardingCodeAdminPorts,
  request: IssueRequest,
): Promise<{ readonly code: string; readonly record: OnboardingCodeRecord }> {
  const keys = requireKeys(ports);
  const now = ports.clock.now();
  if (request.expiresAt.getTime() <= now.getTime()) {
    throw new AppError('validation_failed', 'The code would be expired at issue.', {
      issues: [{ path: 'expiresAt', message: 'expected a time in the future' }],
    });
  }
  if (request.expiresAt.getTime() > now.getTime() + MAX_CODE_DAYS * 86_400_000) {
    throw new AppError('validation_failed', `A code lasts at most ${MAX_CODE_DAYS} days.`, {
      issues: [{ path: 'expiresAt', message: `expected at most ${MAX_CODE_DAYS} days ahead` }],
    });
  }
  const { id, code } = issueCode(keys.current);
  const record: OnboardingCodeRecord = {
    id,
    customer: request.customer,
    pls: request.pls,
    expiresAt: request.expiresAt.toISOString(),
    maxConnections: request.maxConnections,
    issuedAt: now.toISOString(),
    issuedBy: request.issuedBy,
    keyId: keys.current.id,
    fingerprint: codeFingerprint(code),
    revokedAt: undefined,
    revokedBy: undefined,
    places: [],
  };
  await ports.codes.create(record);
  return { code, record };
}

export function listOnboardingCodes(ports: OnboardingCodeAdminPorts): Promise<OnboardingCodeRecord[]> {
  return ports.codes.list();
}

export async function revokeOnboardingCode(
  ports: OnboardingCodeAdminPorts,
  id: string,
  by: string,
): Promise<OnboardingCodeRecord> {
  const record = await ports.codes.revoke(id.toUpperCase(), by, ports.clock.now());
  if (record === undefined) throw new AppError('not_found', 'No onboarding code has this id.');
  return record;
}

function requireKeys(ports: { codeKeys(): CodeKeys | undefined }): CodeKeys {
  const keys = ports.codeKeys();
  if (keys === undefined) {
    throw new AppError(
      'config_invalid',
      'Onboarding codes are off: set ONBOARDING_CODE_KEY (a Key Vault reference in Azure) to issue them.',
    );
  }
  return keys;
}

/**
 * The onboarding code fact of every capture whose message carries (or carried) a code, by
 * connection name. `take`: Pending connections with a valid code take a place in its count (enforce
 * mode); otherwise the count is only checked (dry-run). Any failure to check is `code_unchecked`:
 * the rule does not match (fail closed) and the next run checks again.
 */
export async function checkOnboardingCodes(
  ports: OnboardingCodeCheckPorts,
  captures: readonly CapturedConnection[],
  options: { readonly take: boolean; readonly log: Log },
): Promise<Map<string, OnboardingCodeFact>> {
  const facts = new Map<string, OnboardingCodeFact>();
  const withCode = captures.filter((c) => c.codeReference.kind !== 'none');
  if (withCode.length === 0) return facts;
  let keys: CodeKeys | undefined;
  try {
    keys = ports.codeKeys();
  } catch {
    keys = undefined;
  }
  const now = ports.clock.now();
  const results = await mapWithConcurrency(withCode, CHECKS_IN_FLIGHT, (capture) =>
    checkOne(ports, keys, capture, now, options),
  );
  withCode.forEach((capture, i) => {
    const fact = results[i];
    if (fact !== undefined) facts.set(capture.connection.name, fact);
  });
  return facts;
}

async function checkOne(
  ports: OnboardingCodeCheckPorts,
  keys: CodeKeys | undefined,
  capture: CapturedConnection,
  now: Date,
  options: { readonly take: boolean; readonly log: Log },
): Promise<OnboardingCodeFact> {
  const reference = capture.codeReference;
  const invalid = (reason: CodeReason, codeId?: string): OnboardingCodeFact => ({
    valid: false,
    reason,
    codeId,
  });
  switch (reference.kind) {
    case 'none':
    case 'malformed':
      return invalid('code_invalid');
    case 'several':
      return invalid('code_ambiguous');
    case 'one': {
      if (keys === undefined) return invalid('code_keys_missing');
      if (!verifyMac(reference.code, keys.all)) return invalid('code_invalid');
      if (capture.status !== 'Pending') return invalid('code_invalid');
      return claim(ports, reference.code.id, capture, now, options.take ? 'take' : 'check', options.log);
    }
    case 'masked':
      // Only the id survives after a decision: the place its verified code took is the proof.
      return claim(ports, reference.id, capture, now, 'held', options.log);
  }
}

async function claim(
  ports: OnboardingCodeCheckPorts,
  id: string,
  capture: CapturedConnection,
  now: Date,
  mode: PlaceMode,
  log: Log,
): Promise<OnboardingCodeFact> {
  try {
    const result = await ports.codes.claim(
      id,
      { plsId: capture.connection.plsId, plsName: capture.plsName, connectionId: capture.connection.id },
      now,
      mode,
    );
    if (result === undefined) return { valid: false, reason: 'code_invalid', codeId: id };
    if (!result.decision.ok) return { valid: false, reason: result.decision.reason, codeId: id };
    return { valid: true, codeId: id, customer: result.record.customer };
  } catch (error) {
    logEvent(log, {
      level: 'warn',
      event: 'approval.onboarding_code_unchecked',
      connection: capture.connection.id,
      codeId: id,
      code: toAppError(error).code,
    });
    return { valid: false, reason: 'code_unchecked', codeId: id };
  }
}
