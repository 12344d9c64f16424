/*
 * The per-target state machine, pure: (record, result, thresholds) → (record', transition?).
 *
 * Rules (flap damping like Gatus, documented in docs/probe.md#probe-tables):
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
 * - A failure while the PLS connection is not Approved (the run labelled it Pending, Rejected,
 *   Missing, ...) counts like any failure, but a DOWN it causes is the connection's doing, not the
 *   service's: the record keeps that state in `awaitingConnection`. While it is set, failures with
 *   the connection Approved (or not known) count afresh; `failureThreshold` of them in a row make a
 *   DOWN → DOWN transition that hands the DOWN to the service. Leaving such a DOWN says so in the
 *   transition (`awaitedConnection`), so that notifications can tell "up again" from "approved".
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
  /**
   * While DOWN because the PLS connection is not Approved: that connection state (the latest seen).
   * Null when the state is not DOWN, or when the service itself failed with the connection Approved.
   */
  readonly awaitingConnection: string | null;
}

export interface Transition {
  readonly from: TargetState;
  readonly to: TargetState;
  readonly at: string;
  readonly runId: string;
  readonly reason: string;
  readonly evidence: readonly ResultSummary[];
  readonly connectionState: string | null;
  /** Leaving a DOWN the connection state caused (see `awaitingConnection`): that state; null otherwise. */
  readonly awaitedConnection: string | null;
}

/** Where a target is, for the people a state change is told to (its address and the connection it needs). */
export interface TargetWhere {
  /** The target's URL with its query values redacted (they may be secrets: shared/redact/url-query.ts). */
  readonly url: string;
  readonly expectedIp: string | undefined;
  readonly dependsOn: string | undefined;
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
  awaitingConnection: null,
});

/** A failure the run explained by the PLS connection state: ARM says the connection is not Approved. */
export function awaitsConnection(result: Pick<ResultSummary, 'status' | 'connectionState'>): boolean {
  return result.status === 'DOWN' && result.connectionState !== null;
}

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
  const blocked = awaitsConnection(result);
  const summary = summarise(result);
  // Awaiting the connection, the failures before the last one it explained are not the service's.
  const previous = record.recent[0];
  const afresh =
    record.awaitingConnection !== null &&
    failed &&
    !blocked &&
    previous !== undefined &&
    awaitsConnection(previous);
  const counted: TargetStateRecord = {
    ...marked,
    consecutiveFailures: failed ? (afresh ? 1 : record.consecutiveFailures + 1) : 0,
    consecutiveSuccesses: failed ? 0 : record.consecutiveSuccesses + 1,
    streakStatus: result.status,
    streakLength: record.streakStatus === result.status ? record.streakLength + 1 : 1,
    recent: [summary, ...record.recent].slice(0, RECENT_LIMIT),
  };

  const decision = nextState(counted, record, result.status, thresholds);
  if (decision === null) {
    const awaiting =
      record.state === 'DOWN' && record.awaitingConnection !== null && blocked
        ? result.connectionState
        : record.awaitingConnection;
    return { record: { ...counted, awaitingConnection: awaiting }, transition: null, applied: true };
  }

  const transition: Transition = {
    from: record.state,
    to: decision.to,
    at: result.startedAt,
    runId: result.runId,
    reason: decision.reason,
    evidence: counted.recent.slice(0, Math.max(1, Math.min(decision.evidenceCount, RECENT_LIMIT))),
    connectionState: result.connectionState,
    awaitedConnection: record.state === 'DOWN' ? record.awaitingConnection : null,
  };
  const awaitingConnection = decision.to === 'DOWN' && blocked ? result.connectionState : null;
  return {
    record: { ...counted, state: decision.to, since: result.startedAt, awaitingConnection },
    transition,
    applied: true,
  };
}

interface Decision {
  readonly to: TargetState;
  readonly reason: string;
  readonly evidenceCount: number;
}

/** The transition this result makes, or null; DOWN → DOWN only when the service takes over a connection's DOWN. */
function nextState(
  counted: TargetStateRecord,
  before: TargetStateRecord,
  status: ResultStatus,
  { failureThreshold, successThreshold }: Thresholds,
): Decision | null {
  const current = before.state;
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
    if (
      current === 'DOWN' &&
      before.awaitingConnection !== null &&
      latest !== undefined &&
      !awaitsConnection(latest) &&
      counted.consecutiveFailures >= failureThreshold
    )
      return {
        to: 'DOWN',
        reason: `connection no longer ${before.awaitingConnection}, still failing: ${counted.consecutiveFailures} consecutive failure(s) (failureThreshold ${failureThreshold})${explain}`,
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
