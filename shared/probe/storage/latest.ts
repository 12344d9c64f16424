/*
 * Latest result and state per target: partition `latest`, row key = target id. A status board
 * reads one partition (or one entity per target) and never touches raw rows. The same entity
 * holds the state machine's record, updated under its ETag so two instances cannot both apply
 * a transition.
 */
import type { TableEntity } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import { redactUrlQuery } from '../../redact/url-query';
import { asIso, compact, double } from '../../storage/entity-values';
import { updateOptimistically } from '../../storage/optimistic-update';
import { storageError } from '../../storage/table-errors';
import { keySafe } from '../../storage/table-keys';
import type { TableSource } from '../../storage/table-source';
import {
  applyResult,
  INITIAL_STATE,
  type ResultSummary,
  type TargetStateRecord,
  type Thresholds,
  type Transition,
} from '../core/target-state';
import type { ProbeResult, ProbeTarget, ResultStatus, TargetState } from '../core/types';
import { PROBE_TABLES } from './probe-tables';

export const LATEST_PARTITION = 'latest';

export interface LatestView {
  readonly targetId: string;
  readonly displayName: string | null;
  readonly url: string | null;
  readonly record: TargetStateRecord;
  readonly last: {
    readonly status: ResultStatus | null;
    readonly at: string | null;
    readonly scheduledAt: string | null;
    readonly failureClass: string | null;
    readonly phase: string | null;
    readonly code: string | null;
    readonly totalMs: number | null;
    readonly statusCode: number | null;
    readonly reason: string | null;
    readonly inMaintenance: boolean;
    readonly connectionState: string | null;
  };
  readonly certificate: {
    readonly daysLeft: number | null;
    readonly notAfter: string | null;
    readonly checkedAt: string | null;
  };
  readonly updatedAt: string | null;
}

export interface LatestUpdate {
  readonly record: TargetStateRecord;
  readonly transition: Transition | null;
  readonly applied: boolean;
  /** The transition the stored record says this very run caused: set on a replay, so its event row can be re-written. */
  readonly replayedTransition: Transition | null;
}

/** Applies a result to the target's state under ETag; retries on a concurrent write. */
export async function updateLatest(
  container: TableSource,
  target: Pick<ProbeTarget, 'id' | 'displayName' | 'url'> & Thresholds,
  result: ProbeResult,
  now: Date,
): Promise<LatestUpdate> {
  const table = await container.table(PROBE_TABLES.latest);
  const rowKey = keySafe(target.id);
  return updateOptimistically<Record<string, unknown>, LatestUpdate>(
    table,
    { partitionKey: LATEST_PARTITION, rowKey },
    (existing) => {
      const record = existing === undefined ? INITIAL_STATE : recordFromEntity(existing);
      const step = applyResult(record, result, target);
      if (!step.applied) {
        const stored = parseJson<Transition>(existing?.lastTransition);
        return {
          result: {
            ...step,
            replayedTransition: stored !== null && stored.runId === result.runId ? stored : null,
          },
        };
      }
      return {
        write: latestEntity(rowKey, target, step.record, result, existing, step.transition, now),
        result: { ...step, replayedTransition: null },
      };
    },
    { what: 'writing the latest probe state' },
  );
}

function latestEntity(
  rowKey: string,
  target: Pick<ProbeTarget, 'id' | 'displayName' | 'url'>,
  record: TargetStateRecord,
  result: ProbeResult,
  existing: Readonly<Record<string, unknown>> | undefined,
  transition: Transition | null,
  now: Date,
): TableEntity {
  const final = result.final;
  const tls = final.tls;
  // A run that failed before TLS says nothing about the certificate: keep the last known one.
  const certKnown = tls !== null && tls.daysLeft !== null;
  return compact({
    partitionKey: LATEST_PARTITION,
    rowKey,
    targetId: target.id,
    displayName: target.displayName,
    // Query values may be credentials (`?code=`, `sig=`): never at rest (shared/redact/url-query.ts).
    url: redactUrlQuery(target.url),
    state: record.state,
    since: record.since === null ? null : new Date(record.since),
    consecutiveFailures: record.consecutiveFailures,
    consecutiveSuccesses: record.consecutiveSuccesses,
    streakStatus: record.streakStatus,
    streakLength: record.streakLength,
    lastScheduledAt: record.lastScheduledAt === null ? null : new Date(record.lastScheduledAt),
    lastRunId: record.lastRunId,
    recent: JSON.stringify(record.recent),
    awaitingConnection: record.awaitingConnection,
    lastStatus: result.status,
    lastAt: new Date(result.startedAt),
    lastFailureClass: final.failure?.class,
    lastPhase: final.failure?.phase,
    lastCode: final.failure?.code,
    lastTotalMs: double(final.timings.totalMs),
    lastTtfbMs: final.timings.ttfbMs === null ? null : double(final.timings.ttfbMs),
    lastStatusCode: final.statusCode,
    lastReason: result.reason,
    lastInMaintenance: result.inMaintenance,
    lastConnectionState: result.connectionState,
    lastResolvedIp: final.resolvedIp,
    lastExpectedIpMatches: final.expectedIpMatches,
    lastAttempts: result.attempts.length,
    certDaysLeft: certKnown ? tls.daysLeft : existing?.certDaysLeft,
    certNotAfter: certKnown ? tls.notAfter : existing?.certNotAfter,
    certCheckedAt: certKnown ? new Date(result.startedAt) : existing?.certCheckedAt,
    lastTransition: transition === null ? existing?.lastTransition : JSON.stringify(transition),
    updatedAt: now,
  });
}

export function recordFromEntity(entity: Readonly<Record<string, unknown>>): TargetStateRecord {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    state: asState(entity.state),
    since: asIso(entity.since),
    consecutiveFailures: num(entity.consecutiveFailures),
    consecutiveSuccesses: num(entity.consecutiveSuccesses),
    streakStatus: asStatus(entity.streakStatus),
    streakLength: num(entity.streakLength),
    lastScheduledAt: asIso(entity.lastScheduledAt),
    lastRunId: typeof entity.lastRunId === 'string' ? entity.lastRunId : null,
    recent: parseJson<ResultSummary[]>(entity.recent) ?? [],
    awaitingConnection: typeof entity.awaitingConnection === 'string' ? entity.awaitingConnection : null,
  };
}

export function latestViewFromEntity(entity: Readonly<Record<string, unknown>>): LatestView {
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    targetId: str(entity.targetId) ?? str(entity.rowKey) ?? '',
    displayName: str(entity.displayName),
    // Rows written before query values were redacted are redacted on the way out.
    url: nullable(str(entity.url), redactUrlQuery),
    record: recordFromEntity(entity),
    last: {
      status: asStatus(entity.lastStatus),
      at: asIso(entity.lastAt),
      scheduledAt: asIso(entity.lastScheduledAt),
      failureClass: str(entity.lastFailureClass),
      phase: str(entity.lastPhase),
      code: str(entity.lastCode),
      totalMs: num(entity.lastTotalMs),
      statusCode: num(entity.lastStatusCode),
      reason: str(entity.lastReason),
      inMaintenance: entity.lastInMaintenance === true,
      connectionState: str(entity.lastConnectionState),
    },
    certificate: {
      daysLeft: num(entity.certDaysLeft),
      notAfter: str(entity.certNotAfter),
      checkedAt: asIso(entity.certCheckedAt),
    },
    updatedAt: asIso(entity.updatedAt),
  };
}

/** Every target's latest row: one partition, typically one page. */
export async function readAllLatest(container: TableSource): Promise<LatestView[]> {
  const table = await container.table(PROBE_TABLES.latest);
  const views: LatestView[] = [];
  try {
    for await (const entity of table.listEntities({
      queryOptions: { filter: odata`PartitionKey eq ${LATEST_PARTITION}` },
    }))
      views.push(latestViewFromEntity(entity));
  } catch (error) {
    throw storageError('reading the latest probe states', error);
  }
  return views;
}

function asState(v: unknown): TargetState {
  return v === 'UP' || v === 'DEGRADED' || v === 'DOWN' ? v : 'UNKNOWN';
}

function asStatus(v: unknown): ResultStatus | null {
  return v === 'UP' || v === 'DEGRADED' || v === 'DOWN' ? v : null;
}

function parseJson<T>(v: unknown): T | null {
  if (typeof v !== 'string') return null;
  try {
    return JSON.parse(v) as T;
  } catch {
    return null;
  }
}

function nullable<T, U>(value: T | null, map: (value: T) => U): U | null {
  return value === null ? null : map(value);
}
