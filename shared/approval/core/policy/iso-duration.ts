/*
 * ISO 8601 durations for a rule's `approveFor`, parsed strictly. Only the exact units are accepted
 * (weeks, days, hours, minutes, seconds: `P30D`, `PT12H`, `P1DT6H`, `P2W`): years and months have
 * no fixed length, so "P1M" would mean 28 to 31 days depending on the approval's date; a provider
 * writes `P30D` and knows what it gets. Fractions, negative signs and empty parts are refused.
 */

export type DurationResult =
  | { readonly ok: true; readonly ms: number; readonly text: string }
  | { readonly ok: false; readonly message: string };

/** `P[nW][nD][T[nH][nM][nS]]` with whole numbers; at least one part, and a `T` only before a time part. */
const DURATION = /^P(?:(\d{1,5})W)?(?:(\d{1,5})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,8})M)?(?:(\d{1,10})S)?)?$/;

/** The longest approval a rule may grant: ten years, beyond any contract term worth automating. */
export const MAX_APPROVAL_MS = 3653 * 24 * 3_600_000;
/** The shortest: one minute, so a typo (`PT1S`) does not revoke at once. */
export const MIN_APPROVAL_MS = 60_000;

const EXPECTED =
  'expected an ISO 8601 duration in weeks, days, hours, minutes or seconds, such as P30D, PT12H or P1DT6H (no years or months: their length varies)';

export function parseIsoDuration(text: string): DurationResult {
  const match = DURATION.exec(text);
  // "P" alone and "P1DT" (a T with no time part) match the pattern but say nothing.
  if (match === null || text === 'P' || text.endsWith('T')) return { ok: false, message: EXPECTED };
  const [, weeks, days, hours, minutes, seconds] = match.map((part) => Number(part ?? 0));
  const ms =
    ((weeks ?? 0) * 7 * 24 * 3600 +
      (days ?? 0) * 24 * 3600 +
      (hours ?? 0) * 3600 +
      (minutes ?? 0) * 60 +
      (seconds ?? 0)) *
    1000;
  if (ms < MIN_APPROVAL_MS) return { ok: false, message: 'expected at least one minute (PT1M)' };
  if (ms > MAX_APPROVAL_MS) return { ok: false, message: 'expected at most ten years (P3653D)' };
  return { ok: true, ms, text };
}
