/*
 * The per-target state machine, pure: (record, result, thresholds) → (record', transition?).
 *
 * Rules (flap damping like Gatus, documented in README.md#probe-tables):
 * - A run is a failure when its verdict is DOWN, a success when UP or DEGRADED.
 * - UNKNOWN (never judged) takes the first judged result's status at once: any evidence beats none.
 * - UP/DEGRADED → DOWN after `failureThreshold` consecutive failures.
 * - DOWN → UP/DEGRADED after `successThreshold` consecutive successes; it lands on the latest
 *   result's status.
 * - UP ↔ DEGRADED needs a streak of the new status: `failureThreshold` results to get worse
 *   (UP → DEGRADED), `successThreshold` to get better (DEGRADED → UP); a single slow run is noise.
 * - A result inside a maintenance window changes nothing but the dedupe mark: no counter, no
 *   streak, no transition. Maintenance is neither evidence for nor against the service.
 * - A result not newer than the last applied one (a retried run, or a late queue message) is
 *   ignored, so replays never move the state twice.
 */
import type { ProbeResult, ResultStatus, TargetState } from './types';

export interface Thresholds {
  readonly failureThreshold: number;
  readonly successThreshold: number;
}

/** A result as the state record and the event evidence keep it: enough to explain, nothing more. */
export interface ResultSummary {
  readonly runId: string;
  readonly scheduledAt: string;
  readonly startedAt: string;
  readonly status: ResultStatus;
  readonly failureClass: string | null;
  readonly phase: string | null;
  readonly code: string | null;
  readonly statusCode: number | null;
  readonly totalMs: number;
  readonly attempts: number;
  readonly reason: string | null;
  readonly connectionState: string | null;
}

export interface TargetStateRecord {
  readonly state: TargetState;
  /** When the current state began (the first result that established it); null while UNKNOWN. */
  readonly since: string | null;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  readonly streakStatus: ResultStatus | null;
  readonly streakLength: number;
  readonly lastScheduledAt: string | null;
  readonly lastRunId: string | null;
  /** The most recent judged results, newest first: the evidence of the next transition. */
  readonly recent: readonly ResultSummary[];
}

export interface Transition {
  readonly from: TargetState;
  readonly to: TargetState;
  readonly at: string;
  readonly runId: string;
  readonly reason: string;
  readonly evidence: readonly ResultSummary[];
  readonly connectionState: string | null;
}

export interface StateStep {
  readonly record: TargetStateRecord;
  readonly transition: Transition | null;
  /** False when the result was a replay or older than the last applied one. */
  readonly applied: boolean;
}

export const RECENT_LIMIT = 10;

export const INITIAL_STATE: TargetStateRecord = Object.freeze({
  state: 'UNKNOWN',
  since: null,
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
  streakStatus: null,
  streakLength: 0,
  lastScheduledAt: null,
  lastRunId: null,
  recent: [],
});

export function summarise(result: ProbeResult): ResultSummary {
  const failure = result.final.failure;
  return {
    runId: result.runId,
    scheduledAt: result.scheduledAt,
    startedAt: result.startedAt,
    status: result.status,
    failureClass: failure?.class ?? null,
    phase: failure?.phase ?? null,
    code: failure?.code ?? null,
    statusCode: result.final.statusCode,
    totalMs: result.final.timings.totalMs,
    attempts: result.attempts.length,
    reason: result.reason,
    connectionState: result.connectionState,
  };
}

export function applyResult(
  record: TargetStateRecord,
  result: ProbeResult,
  thresholds: Thresholds,
): StateStep {
  if (record.lastScheduledAt !== null && Date.parse(result.scheduledAt) <= Date.parse(record.lastScheduledAt))
    return { record, transition: null, applied: false };

  const marked = { ...record, lastScheduledAt: result.scheduledAt, lastRunId: result.runId };
  if (result.inMaintenance) return { record: marked, transition: null, applied: true };

  const failed = result.status === 'DOWN';
  const summary = summarise(result);
  const counted: TargetStateRecord = {
    ...marked,
    consecutiveFailures: failed ? record.consecutiveFailures + 1 : 0,
    consecutiveSuccesses: failed ? 0 : record.consecutiveSuccesses + 1,
    streakStatus: result.status,
    streakLength: record.streakStatus === result.status ? record.streakLength + 1 : 1,
    recent: [summary, ...record.recent].slice(0, RECENT_LIMIT),
  };

  const decision = nextState(counted, record.state, result.status, thresholds);
  if (decision === null || decision.to === record.state)
    return { record: counted, transition: null, applied: true };

  const transition: Transition = {
    from: record.state,
    to: decision.to,
    at: result.startedAt,
    runId: result.runId,
    reason: decision.reason,
    evidence: counted.recent.slice(0, Math.max(1, Math.min(decision.evidenceCount, RECENT_LIMIT))),
    connectionState: result.connectionState,
  };
  return { record: { ...counted, state: decision.to, since: result.startedAt }, transition, applied: true };
}

interface Decision {
  readonly to: TargetState;
  readonly reason: string;
  readonly evidenceCount: number;
}

function nextState(
  counted: TargetStateRecord,
  current: TargetState,
  status: ResultStatus,
  { failureThreshold, successThreshold }: Thresholds,
): Decision | null {
  const latest = counted.recent[0];
  const explain = latest === undefined ? '' : `: ${describe(latest)}`;
  if (current === 'UNKNOWN') return { to: status, reason: `first judged result${explain}`, evidenceCount: 1 };

  if (status === 'DOWN') {
    if (current !== 'DOWN' && counted.consecutiveFailures >= failureThreshold)
      return {
        to: 'DOWN',
        reason: `${counted.consecutiveFailures} consecutive failure(s) (failureThreshold ${failureThreshold})${explain}`,
        evidenceCount: counted.consecutiveFailures,
      };
    return null;
  }

  if (current === 'DOWN') {
    if (counted.consecutiveSuccesses >= successThreshold)
      return {
        to: status,
        reason: `${counted.consecutiveSuccesses} consecutive success(es) (successThreshold ${successThreshold})${explain}`,
        evidenceCount: counted.consecutiveSuccesses,
      };
    return null;
  }

  if (status !== current) {
    const needed = status === 'DEGRADED' ? failureThreshold : successThreshold;
    const name = status === 'DEGRADED' ? 'failureThreshold' : 'successThreshold';
    if (counted.streakLength >= needed)
      return {
        to: status,
        reason: `${counted.streakLength} consecutive ${status} result(s) (${name} ${needed})${explain}`,
        evidenceCount: counted.streakLength,
      };
  }
  return null;
}

function describe(summary: ResultSummary): string {
  if (summary.status !== 'DOWN')
    return `${summary.status} in ${Math.round(summary.totalMs)} ms${summary.reason ? ` (${summary.reason})` : ''}`;
  const where = [
    summary.failureClass,
    summary.phase && `in ${summary.phase}`,
    summary.code && `(${summary.code})`,
  ]
    .filter(Boolean)
    .join(' ');
  const connection = summary.connectionState ? `; connection ${summary.connectionState}` : '';
  return `${where || 'DOWN'}${connection}`;
}
