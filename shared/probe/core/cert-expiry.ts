/*
 * Certificate notices (pure): when a target's certificate comes within one of its `certExpiryDays`
 * thresholds, one `cert.expiring` notice is due for the smallest threshold already crossed. Each
 * notice is keyed by target, certificate (SHA-256 fingerprint) and threshold and stored once
 * (../storage/cert-notices.ts), so a certificate 10 days from expiry with [30, 14, 7] is told once
 * for 14 (not for 30 as well), nothing the next day, again at 7; a renewed certificate has a new
 * fingerprint and starts over.
 */
import type { ProbeResult, TlsDetails } from './types';

/** The documented default (docs/probe.md, targets table): a month ahead, two weeks, one week, the last day. */
export const DEFAULT_CERT_EXPIRY_DAYS: readonly number[] = [30, 14, 7, 1];

const DAY_MS = 86_400_000;

export interface CertNotice {
  readonly targetId: string;
  /** The threshold (days before expiry) this notice is for. */
  readonly thresholdDays: number;
  /** Whole days left at `at` (negative once expired). */
  readonly daysLeft: number;
  readonly at: string;
  readonly notAfter: string;
  /** Upper-case hex without separators: a table-key-safe form of the fingerprint. */
  readonly fingerprint: string;
  readonly serialNumber: string | null;
  readonly subject: string | null;
  readonly issuer: string | null;
}

/** The smallest threshold the certificate is already within, or null when it is within none. */
export function dueThreshold(notAfter: Date, now: Date, thresholds: readonly number[]): number | null {
  const left = (notAfter.getTime() - now.getTime()) / DAY_MS;
  let due: number | null = null;
  for (const t of thresholds) if (left <= t && (due === null || t < due)) due = t;
  return due;
}

/** The certificate the result saw: the final attempt's, else the newest attempt that got one. */
function certificateOf(result: ProbeResult): TlsDetails | null {
  if (result.final.tls?.fingerprint256) return result.final.tls;
  for (let i = result.attempts.length - 1; i >= 0; i--) {
    const tls = result.attempts[i]?.tls;
    if (tls?.fingerprint256) return tls;
  }
  return null;
}

/** The notice a result makes due now, or null (http target, no certificate seen, or not near expiry). */
export function certNoticeFor(
  targetId: string,
  thresholds: readonly number[],
  result: ProbeResult,
  now: Date,
): CertNotice | null {
  const tls = certificateOf(result);
  if (tls === null || tls.notAfter === null || !tls.fingerprint256) return null;
  const notAfter = new Date(tls.notAfter);
  if (Number.isNaN(notAfter.getTime())) return null;
  const threshold = dueThreshold(notAfter, now, thresholds);
  if (threshold === null) return null;
  return {
    targetId,
    thresholdDays: threshold,
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS),
    at: now.toISOString(),
    notAfter: notAfter.toISOString(),
    fingerprint: tls.fingerprint256.replaceAll(':', '').toUpperCase(),
    serialNumber: tls.serialNumber ?? null,
    subject: tls.subject,
    issuer: tls.issuer,
  };
}
