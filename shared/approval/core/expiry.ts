/*
 * Approvals that end (pure). A connection whose record has `approvalEndsAt` goes through three
 * steps, one per run, each recorded on the record once done (for that end):
 *
 *   reminder   APPROVAL_EXPIRY_REMINDER_HOURS before the end: `connection.expiring` to people, and
 *              the connection's description tells the consumer "Access ends on …"
 *   notice     at the end: the description says "Access ended …; removed after …"
 *   removal    APPROVAL_EXPIRY_GRACE_HOURS after the end: the connection is deleted
 *
 * The steps run in order and none is skipped: a run that comes late (an outage) does the next step,
 * the one after waits for the next run, so the consumer always sees the notice before the removal.
 * A renewal moves the end; a stage recorded for another end does not count, so the steps start over.
 */
import type { ConnectionRecord } from './connection-record';

export type ExpiryStep = 'expiry-reminder' | 'expiry-notice' | 'expiry-removal';

/** What the record keeps once a step is done. */
const STAGE_OF: Record<ExpiryStep, string> = {
  'expiry-reminder': 'reminded',
  'expiry-notice': 'ended',
  'expiry-removal': 'removed',
};

export interface ExpiryTimings {
  /** How long before the end the reminder goes out. */
  readonly reminderMs: number;
  /** How long after the end the connection is removed. */
  readonly graceMs: number;
  /** How long a first approval waits for the second person (two-person rule). */
  readonly twoPersonMs: number;
}

const HOUR = 3_600_000;
export const DEFAULT_EXPIRY_TIMINGS: ExpiryTimings = {
  reminderMs: 72 * HOUR,
  graceMs: 24 * HOUR,
  twoPersonMs: 24 * HOUR,
};

export interface DueStep {
  readonly step: ExpiryStep;
  readonly endsAt: string;
  /** What the step records on the connection record (with `dry-run:` in dry-run). */
  readonly stage: string;
}

/** The stage done for the record's current end, in this mode (dry-run keeps its own, so enforcing later starts over). */
export function stageDone(record: ConnectionRecord, dryRun: boolean): string | undefined {
  const stage = record.expiryStage;
  if (stage === undefined || record.expiryStageFor !== record.approvalEndsAt) return undefined;
  const prefix = 'dry-run:';
  if (dryRun) return stage.startsWith(prefix) ? stage.slice(prefix.length) : undefined;
  return stage.startsWith(prefix) ? undefined : stage;
}

/** The step due now for one connection, if any: only an Approved connection with an end has one. */
export function dueExpiryStep(
  record: ConnectionRecord | undefined,
  statusNow: string,
  now: Date,
  timings: ExpiryTimings,
  dryRun: boolean,
): DueStep | undefined {
  const endsAt = record?.approvalEndsAt;
  if (record === undefined || endsAt === undefined || statusNow !== 'Approved') return undefined;
  const end = Date.parse(endsAt);
  if (Number.isNaN(end)) return undefined;
  const t = now.getTime();
  const done = stageDone(record, dryRun);
  const step: ExpiryStep | undefined =
    done === undefined
      ? t >= end - timings.reminderMs
        ? 'expiry-reminder'
        : undefined
      : done === 'reminded'
        ? t >= end
          ? 'expiry-notice'
          : undefined
        : done === 'ended' && t >= end + timings.graceMs
          ? 'expiry-removal'
          : undefined;
  if (step === undefined) return undefined;
  return { step, endsAt, stage: `${dryRun ? 'dry-run:' : ''}${STAGE_OF[step]}` };
}

/** `2026-12-08 12:00 UTC`: short enough for ARM's 140 characters, unambiguous for the consumer. */
export function utcMinute(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * What the connection's description tells the consumer at each step (ARM shows it on their private
 * endpoint's connection state; at most 140 characters, which these are by construction: ~110).
 */
export function expiryDescription(
  step: 'expiry-reminder' | 'expiry-notice',
  endsAt: string,
  graceMs: number,
): string {
  if (step === 'expiry-reminder')
    return `Access ends on ${utcMinute(endsAt)}. Ask the provider to renew it before then.`;
  const removal = new Date(Date.parse(endsAt) + graceMs).toISOString();
  return `Access ended ${utcMinute(endsAt)}. This connection is removed after ${utcMinute(removal)}; then request access again.`;
}

/** The description a renewal writes: the consumer sees the new end where the notice was. */
export function renewedDescription(endsAt: string): string {
  return `Access renewed; it ends on ${utcMinute(endsAt)}.`;
}

/** A first approval still waiting for its second person (not lapsed). */
export function liveFirstApproval(
  record: ConnectionRecord | undefined,
  now: Date,
  timings: Pick<ExpiryTimings, 'twoPersonMs'>,
): ConnectionRecord['firstApproval'] {
  const first = record?.firstApproval;
  if (first === undefined) return undefined;
  const at = Date.parse(first.at);
  return Number.isNaN(at) || now.getTime() >= at + timings.twoPersonMs ? undefined : first;
}

/** Object ids compare without regard to case or surrounding space: the same person, whatever the token spelled. */
export function samePerson(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
