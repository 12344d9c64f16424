/*
 * The API's side of onboarding codes: the issue request resolved against the managed PLS and the
 * clock, and records shown as the API's items (never the code, except once in the issue answer).
 */
import type { OnboardingCodeRecord } from '../../approval/core/onboarding-code-rules';
import {
  type CodeKeys,
  issueOnboardingCode,
  listOnboardingCodes,
  type OnboardingCodeAdminPorts,
  revokeOnboardingCode,
} from '../../approval/use-cases/onboarding-codes';
import type { Principal } from '../../auth/principal';
import type { Log } from '../../log';
import type { CodeItem, IssueCodeBody } from '../core/onboarding-code-schemas';
import { type ManagedPlsSource, resolveManagedPls } from './managed-pls';

export async function issueCodeForApi(
  ports: OnboardingCodeAdminPorts,
  /** The managed list (approval's services): asked only when the code is for one PLS. */
  managed: () => Promise<ManagedPlsSource>,
  body: IssueCodeBody,
  principal: Principal,
  log: Log,
): Promise<CodeItem & { readonly code: string }> {
  // A code for a PLS this app does not manage could never approve anything: refused (404) at issue.
  const pls =
    body.pls === undefined ? undefined : (await resolveManagedPls(await managed(), body.pls, log)).id;
  const now = ports.clock.now();
  const expiresAt =
    body.expiresAt !== undefined
      ? new Date(body.expiresAt)
      : new Date(now.getTime() + (body.days ?? 0) * 86_400_000);
  const { code, record } = await issueOnboardingCode(ports, {
    customer: body.customer,
    pls,
    expiresAt,
    maxConnections: body.maxConnections,
    issuedBy: principal.name,
  });
  return { ...codeItemOf(record, ports.codeKeys(), now), code };
}

export async function listCodesForApi(ports: OnboardingCodeAdminPorts): Promise<{ items: CodeItem[] }> {
  const keys = safeKeys(ports);
  const now = ports.clock.now();
  return { items: (await listOnboardingCodes(ports)).map((r) => codeItemOf(r, keys, now)) };
}

export async function revokeCodeForApi(
  ports: OnboardingCodeAdminPorts,
  id: string,
  principal: Principal,
): Promise<CodeItem> {
  const record = await revokeOnboardingCode(ports, id, principal.name);
  return codeItemOf(record, safeKeys(ports), ports.clock.now());
}

/** The list and revoke work while the keys are bad (to clean up); they only show the keys as inactive. */
function safeKeys(ports: OnboardingCodeAdminPorts): CodeKeys | undefined {
  try {
    return ports.codeKeys();
  } catch {
    return undefined;
  }
}

export function codeItemOf(record: OnboardingCodeRecord, keys: CodeKeys | undefined, now: Date): CodeItem {
  const state =
    record.revokedAt !== undefined
      ? 'revoked'
      : Date.parse(record.expiresAt) <= now.getTime()
        ? 'expired'
        : record.places.length >= record.maxConnections
          ? 'exhausted'
          : 'active';
  return {
    id: record.id,
    customer: record.customer,
    pls: record.pls ?? null,
    expiresAt: record.expiresAt,
    maxConnections: record.maxConnections,
    used: record.places.length,
    state,
    issuedAt: record.issuedAt,
    issuedBy: record.issuedBy,
    keyId: record.keyId,
    keyActive: keys?.all.some((k) => k.id === record.keyId) ?? false,
    revokedAt: record.revokedAt ?? null,
    revokedBy: record.revokedBy ?? null,
  };
}
