import { createHash } from 'node:crypto';
import type { TableClient, TableEntity, TransactionAction } from '@azure/data-tables';
import type { Container } from '../../shared/composition-root';
import { addResult, emptyRollup, type Rollup } from '../../shared/probe/core/rollup';
import {
  applyResult,
  INITIAL_STATE,
  type TargetStateRecord,
  type Transition,
} from '../../shared/probe/core/target-state';
import {
  FAILURE_CLASSES,
  type FailureClass,
  type ProbeAttempt,
  type ProbePhase,
  type ProbeResult,
  type ResultStatus,
} from '../../shared/probe/core/types';
import { eventEntity } from '../../shared/probe/storage/events';
import { LATEST_PARTITION } from '../../shared/probe/storage/latest';
import { recordResult, type StoreTarget } from '../../shared/probe/storage/probe-store';
import { PROBE_TABLES, rawTableLogicalName } from '../../shared/probe/storage/probe-tables';
import { attemptEntity } from '../../shared/probe/storage/raw-results';
import { periodStart, rollupEntity, rollupRowKey } from '../../shared/probe/storage/rollups';
import { keySafe, startOfUtcDay, startOfUtcHour } from '../../shared/storage/table-keys';

/**
 * A month of 1-minute probe history for N targets, in the probe tables' own layout, fast enough
 * for tests and benchmarks. Writing 30 days x 1440 runs x 10 targets (432,000 runs) through the
 * real write path would take hours (five storage round trips per run), so:
 *
 * - every run is generated (deterministically) and counted in memory with the store's own pure
 *   functions (addResult for rollups, applyResult for the state machine, so events and the
 *   latest state are exactly what the probe would have produced);
 * - what the dashboard and the summary read is written in bulk, with the store's own entity
 *   builders (rollupEntity, attemptEntity, eventEntity): hourly and daily rollups for the whole
 *   month, raw rows for the last `rawHours` only (the raw-reading ranges go back 6 hours; older
 *   raw rows are never read by a dashboard route), the state-change events, and the latest row's
 *   state columns;
 * - the newest `recordMinutes` runs of each target then go through the real write path
 *   (recordResult), which updates those rollups under ETag, completes the latest row and writes
 *   any event of its own — so the seeded tables are also proven to be what the store accepts.
 */

export interface SeedOptions {
  readonly targets?: number;
  /** Whole UTC days before today; today up to `now` is seeded too. */
  readonly days?: number;
  readonly rawHours?: number;
  readonly recordMinutes?: number;
}

export interface SeededTarget {
  readonly id: string;
  readonly displayName: string;
  readonly url: string;
  /** The state the seeded history leaves the target in. */
  readonly expectedState: ResultStatus;
  readonly https: boolean;
  readonly certificateDaysLeft: number | null;
  /** DOWN runs (outside maintenance) the history holds, per class. */
  readonly failures: Readonly<Partial<Record<FailureClass, number>>>;
}

export interface SeedReport {
  readonly now: Date;
  readonly from: Date;
  readonly targets: readonly SeededTarget[];
  readonly runs: number;
  readonly entitiesWritten: number;
  readonly events: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The target that is DOWN now (TCP_TIMEOUT for the last 25 minutes) and the one DEGRADED (slow for 40). */
export const DOWN_TARGET_INDEX = 3;
export const DEGRADED_TARGET_INDEX = 5;
const MAINTENANCE_TARGET_INDEX = 7;

interface Profile {
  readonly index: number;
  readonly target: StoreTarget;
  readonly https: boolean;
  readonly hostname: boolean;
  readonly baseTtfbMs: number;
  readonly certDaysLeft: number | null;
  /** A past outage: [start, end) and its class. */
  readonly outage: { readonly start: number; readonly end: number; readonly failureClass: FailureClass };
}

export function seededTargetId(index: number): string {
  return `probe-${String(index).padStart(2, '0')}`;
}

function profileOf(index: number, now: Date, from: Date): Profile {
  const https = index % 2 === 1;
  const hostname = index % 3 === 0;
  const host = hostname ? `iis-${index}.localhost` : `127.0.0.${10 + index}`;
  const span = Math.max(1, Math.floor((now.getTime() - from.getTime()) / DAY) - 2);
  const outageStart =
    startOfUtcDay(new Date(now.getTime() - ((index * 7) % span) * DAY - 2 * DAY)).getTime() +
    ((index * 5) % 24) * HOUR;
  return {
    index,
    target: {
      id: seededTargetId(index),
      displayName: `${['IIS', 'Orders', 'Billing', 'Portal', 'Reports'][index % 5]} ${https ? 'HTTPS' : 'HTTP'} #${index}`,
      url: new URL(`${https ? 'https' : 'http'}://${host}/`),
      failureThreshold: 3,
      successThreshold: 2,
    },
    https,
    hostname,
    baseTtfbMs: 4 + index * 2.5,
    certDaysLeft: https ? (index === 9 ? 9 : 40 + index * 20) : null,
    outage: {
      start: Math.max(outageStart, from.getTime()),
      end: Math.max(outageStart, from.getTime()) + (15 + ((index * 11) % 40)) * MINUTE,
      failureClass: FAILURE_CLASSES[index % FAILURE_CLASSES.length] ?? 'TCP_REFUSED',
    },
  };
}

/** A small deterministic generator per (target, minute): the same seed gives the same month. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

function runIdOf(targetId: string, scheduledAt: Date): string {
  return createHash('sha256').update(`${targetId}\n${scheduledAt.toISOString()}`).digest('hex').slice(0, 32);
}

function phaseOf(failureClass: FailureClass): ProbePhase {
  switch (failureClass) {
    case 'DNS':
    case 'DNS_MISMATCH':
      return 'dns';
    case 'TCP_TIMEOUT':
    case 'TCP_REFUSED':
    case 'TCP_RESET':
      return 'tcp';
    case 'TLS':
      return 'tls';
    case 'HEADERS_TIMEOUT':
    case 'HTTP_STATUS':
      return 'ttfb';
    case 'BODY_TIMEOUT':
    case 'BODY_TOO_LARGE':
      return 'transfer';
    case 'ASSERTION':
    case 'WRONG_SERVICE':
      return 'assertions';
    case 'DEADLINE':
      return 'request';
  }
}

function verdictAt(
  p: Profile,
  at: number,
  now: number,
  rnd: () => number,
): { status: ResultStatus; failureClass: FailureClass | null; slow: boolean } {
  if (p.index === DOWN_TARGET_INDEX && at >= now - 25 * MINUTE)
    return { status: 'DOWN', failureClass: 'TCP_TIMEOUT', slow: false };
  if (p.index === DEGRADED_TARGET_INDEX && at >= now - 40 * MINUTE)
    return { status: 'DEGRADED', failureClass: null, slow: true };
  if (at >= p.outage.start && at < p.outage.end)
    return { status: 'DOWN', failureClass: p.outage.failureClass, slow: false };
  // Now and then a single failed run: a marker on the chart, but below the failure threshold.
  if (rnd() < 0.0004) return { status: 'DOWN', failureClass: 'HTTP_STATUS', slow: false };
  return { status: 'UP', failureClass: null, slow: false };
}

function inMaintenance(p: Profile, at: Date): boolean {
  return p.index === MAINTENANCE_TARGET_INDEX && at.getUTCHours() === 2 && at.getUTCMinutes() < 30;
}

function generateResult(p: Profile, at: Date, now: Date): ProbeResult {
  const rnd = random(p.index * 1_000_003 + Math.floor(at.getTime() / MINUTE));
  const verdict = verdictAt(p, at.getTime(), now.getTime(), rnd);
  // A daily swell: busier hours are a little slower.
  const load = 1 + 0.35 * Math.max(0, Math.sin(((at.getUTCHours() - 6) / 24) * 2 * Math.PI));
  const dnsMs = p.hostname ? round3(0.6 + rnd() * 1.2) : null;
  const tcpMs = round3(0.3 + rnd() * 0.8);
  const tlsMs = p.https ? round3(2 + rnd() * 2.5) : null;
  const ttfbMs = round3(
    p.baseTtfbMs * load * (verdict.slow ? 40 : 1) * (0.85 + rnd() * 0.3 + (rnd() < 0.03 ? rnd() * 2 : 0)),
  );
  const transferMs = round3(0.4 + rnd() * 1.5);
  const ok = verdict.status !== 'DOWN';
  const failed = verdict.failureClass;
  const timings = ok
    ? {
        dnsMs,
        tcpMs,
        tlsMs,
        ttfbMs,
        transferMs,
        totalMs: round3((dnsMs ?? 0) + tcpMs + (tlsMs ?? 0) + ttfbMs + transferMs + 0.25),
      }
    : {
        dnsMs,
        tcpMs: failed === 'TCP_TIMEOUT' ? null : tcpMs,
        tlsMs: null,
        ttfbMs: null,
        transferMs: null,
        totalMs: failed === 'TCP_TIMEOUT' ? 3000 : round3(tcpMs + 2),
      };
  const startedAt = new Date(at.getTime() + 40).toISOString();
  const attempt: ProbeAttempt = {
    attempt: 1,
    startedAt,
    timings,
    resolvedIp: p.hostname ? '127.0.0.1' : p.target.url.hostname,
    expectedIpMatches: true,
    localAddress: '127.0.0.1',
    localPort: 40_000 + Math.floor(rnd() * 20_000),
    httpVersion: ok || failed === 'HTTP_STATUS' ? '1.1' : null,
    statusCode: ok ? 200 : failed === 'HTTP_STATUS' ? 503 : null,
    serverHeader: ok ? 'Microsoft-IIS/10.0' : null,
    bodyBytes: ok ? 703 : null,
    bodySha256: ok ? 'ab'.repeat(32) : null,
    bodyExcerpt: failed === 'HTTP_STATUS' ? 'Service Unavailable' : null,
    tls:
      p.https && ok && p.certDaysLeft !== null
        ? {
            protocol: 'TLSv1.3',
            cipher: 'TLS_AES_256_GCM_SHA384',
            subject: `CN=${p.target.url.hostname}`,
            issuer: 'CN=Contoso Private CA',
            notAfter: new Date(now.getTime() + p.certDaysLeft * DAY).toISOString(),
            daysLeft: p.certDaysLeft,
          }
        : null,
    failure:
      failed === null
        ? null
        : {
            class: failed,
            phase: phaseOf(failed),
            code: failed === 'TCP_TIMEOUT' ? 'UND_ERR_CONNECT_TIMEOUT' : failed,
            message: `${failed} (seeded)`,
          },
  };
  const maintenance = inMaintenance(p, at);
  return {
    targetId: p.target.id,
    runId: runIdOf(p.target.id, at),
    scheduledAt: at.toISOString(),
    startedAt,
    status: verdict.status,
    reason: verdict.slow
      ? `slower than the latency SLO (${Math.round(ttfbMs)} ms)`
      : ok
        ? null
        : `${failed} in ${phaseOf(failed ?? 'DEADLINE')} (seeded)`,
    attempts: [attempt],
    final: attempt,
    inMaintenance: maintenance,
    connectionState: null,
  };
}

export async function seedProbeData(container: Container, options: SeedOptions = {}): Promise<SeedReport> {
  const now = container.clock.now();
  const days = options.days ?? 30;
  const from = new Date(startOfUtcDay(now).getTime() - days * DAY);
  const last = new Date(Math.floor(now.getTime() / MINUTE) * MINUTE);
  const recordFrom = new Date(last.getTime() - ((options.recordMinutes ?? 5) - 1) * MINUTE);
  const rawFrom = new Date(last.getTime() - (options.rawHours ?? 7) * HOUR);
  const tables = {
    rollups: await container.table(PROBE_TABLES.rollups),
    events: await container.table(PROBE_TABLES.events),
    latest: await container.table(PROBE_TABLES.latest),
  };
  const profiles = Array.from({ length: options.targets ?? 10 }, (_, i) => profileOf(i, now, from));
  const reports = await Promise.all(
    profiles.map((p) => seedTarget(container, tables, p, { from, last, recordFrom, rawFrom, now })),
  );
  return {
    now,
    from,
    targets: reports.map((r) => r.target),
    runs: reports.reduce((n, r) => n + r.runs, 0),
    entitiesWritten: reports.reduce((n, r) => n + r.entities, 0),
    events: reports.reduce((n, r) => n + r.events, 0),
  };
}

interface Window {
  readonly from: Date;
  readonly last: Date;
  readonly recordFrom: Date;
  readonly rawFrom: Date;
  readonly now: Date;
}

async function seedTarget(
  container: Container,
  tables: { readonly rollups: TableClient; readonly events: TableClient; readonly latest: TableClient },
  p: Profile,
  w: Window,
): Promise<{ target: SeededTarget; runs: number; entities: number; events: number }> {
  const hours = new Map<number, Rollup>();
  const daysMap = new Map<number, Rollup>();
  const raw = new Map<string, TableEntity[]>();
  const transitions: Transition[] = [];
  const recent: ProbeResult[] = [];
  const failures: Partial<Record<FailureClass, number>> = {};
  let record: TargetStateRecord = INITIAL_STATE;
  let runs = 0;
  for (let t = w.from.getTime(); t <= w.last.getTime(); t += MINUTE) {
    const at = new Date(t);
    const result = generateResult(p, at, w.now);
    runs++;
    if (result.status === 'DOWN' && !result.inMaintenance && result.final.failure !== null)
      failures[result.final.failure.class] = (failures[result.final.failure.class] ?? 0) + 1;
    if (t >= w.recordFrom.getTime()) {
      recent.push(result);
      continue;
    }
    addTo(hours, startOfUtcHour(at).getTime(), result);
    addTo(daysMap, startOfUtcDay(at).getTime(), result);
    const step = applyResult(record, result, p.target);
    record = step.record;
    if (step.transition !== null) transitions.push(step.transition);
    if (t >= w.rawFrom.getTime()) {
      const entity = attemptEntity(result, result.final);
      const rows = raw.get(`${rawTableLogicalName(at)}|${entity.partitionKey}`) ?? [];
      rows.push(entity);
      raw.set(`${rawTableLogicalName(at)}|${entity.partitionKey}`, rows);
    }
  }

  const pk = keySafe(p.target.id);
  const rollupEntities = [
    ...[...hours].map(([start, r]) =>
      rollupEntity(
        pk,
        rollupRowKey('hour', new Date(start)),
        'hour',
        p.target.id,
        periodStart('hour', new Date(start)),
        r,
      ),
    ),
    ...[...daysMap].map(([start, r]) =>
      rollupEntity(
        pk,
        rollupRowKey('day', new Date(start)),
        'day',
        p.target.id,
        periodStart('day', new Date(start)),
        r,
      ),
    ),
  ];
  await upsertAll(tables.rollups, rollupEntities);
  for (const [key, rows] of raw) {
    const logical = key.slice(0, key.indexOf('|'));
    await upsertAll(await container.table(logical), rows);
  }
  await upsertAll(
    tables.events,
    transitions.map((tr) => eventEntity(p.target.id, p.target.displayName, tr)),
  );
  // The state machine's columns of the latest row (docs/probe.md#probe-tables); the first recorded run
  // below reads them under ETag and writes the complete row.
  await tables.latest.upsertEntity(
    {
      partitionKey: LATEST_PARTITION,
      rowKey: pk,
      targetId: p.target.id,
      displayName: p.target.displayName,
      url: p.target.url.toString(),
      state: record.state,
      ...(record.since === null ? {} : { since: new Date(record.since) }),
      consecutiveFailures: record.consecutiveFailures,
      consecutiveSuccesses: record.consecutiveSuccesses,
      ...(record.streakStatus === null ? {} : { streakStatus: record.streakStatus }),
      streakLength: record.streakLength,
      ...(record.lastScheduledAt === null ? {} : { lastScheduledAt: new Date(record.lastScheduledAt) }),
      ...(record.lastRunId === null ? {} : { lastRunId: record.lastRunId }),
      recent: JSON.stringify(record.recent),
    },
    'Replace',
  );
  let recordedEvents = 0;
  for (const result of recent) {
    const outcome = await recordResult(container, p.target, result);
    if (outcome.transition !== null) recordedEvents++;
  }
  const expectedState =
    p.index === DOWN_TARGET_INDEX ? 'DOWN' : p.index === DEGRADED_TARGET_INDEX ? 'DEGRADED' : 'UP';
  return {
    target: {
      id: p.target.id,
      displayName: p.target.displayName,
      url: p.target.url.toString(),
      expectedState,
      https: p.https,
      certificateDaysLeft: p.certDaysLeft,
      failures,
    },
    runs,
    entities:
      rollupEntities.length + [...raw.values()].reduce((n, r) => n + r.length, 0) + transitions.length + 1,
    events: transitions.length + recordedEvents,
  };
}

function addTo(map: Map<number, Rollup>, key: number, result: ProbeResult): void {
  let rollup = map.get(key);
  if (rollup === undefined) {
    rollup = emptyRollup();
    map.set(key, rollup);
  }
  addResult(rollup, result);
}

/** Entity-group transactions of up to 100 upserts; every entity given shares the table and is grouped by partition. */
async function upsertAll(table: TableClient, entities: readonly TableEntity[]): Promise<void> {
  const byPartition = new Map<string, TableEntity[]>();
  for (const e of entities) {
    const list = byPartition.get(e.partitionKey) ?? [];
    list.push(e);
    byPartition.set(e.partitionKey, list);
  }
  for (const list of byPartition.values()) {
    for (let i = 0; i < list.length; i += 100) {
      const actions: TransactionAction[] = list.slice(i, i + 100).map((e) => ['upsert', e, 'Replace']);
      await table.submitTransaction(actions);
    }
  }
}

export interface ExpectedCounts {
  runs: number;
  up: number;
  degraded: number;
  down: number;
  maintenance: number;
  failures: Partial<Record<FailureClass, number>>;
}

/**
 * Recomputes, from the generator alone (no storage), what a target's runs in [from, to) were:
 * what a route reading the seeded tables must report for the same window.
 */
export function expectedCounts(report: SeedReport, targetId: string, from: Date, to: Date): ExpectedCounts {
  const index = report.targets.findIndex((t) => t.id === targetId);
  if (index < 0) throw new Error(`no seeded target ${targetId}`);
  const p = profileOf(index, report.now, report.from);
  const counts: ExpectedCounts = { runs: 0, up: 0, degraded: 0, down: 0, maintenance: 0, failures: {} };
  const last = Math.floor(report.now.getTime() / MINUTE) * MINUTE;
  const start = Math.max(Math.ceil(from.getTime() / MINUTE) * MINUTE, report.from.getTime());
  for (let t = start; t < to.getTime() && t <= last; t += MINUTE) {
    const r = generateResult(p, new Date(t), report.now);
    counts.runs++;
    if (r.inMaintenance) counts.maintenance++;
    else if (r.status === 'UP') counts.up++;
    else if (r.status === 'DEGRADED') counts.degraded++;
    else {
      counts.down++;
      const c = r.final.failure?.class;
      if (c !== undefined) counts.failures[c] = (counts.failures[c] ?? 0) + 1;
    }
  }
  return counts;
}
