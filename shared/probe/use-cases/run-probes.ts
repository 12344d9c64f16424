/*
 * The probe timer (`probeEndpoints`) and the queue-triggered probe (`probeHttpTarget`): load the
 * targets, probe them with a bound and a deadline, label failures with the PLS connection state,
 * record everything, log one summary line. Reads top to bottom as the flow it is.
 */
import { setMaxListeners } from 'node:events';
import { mapWithConcurrency } from '../../async/map-with-concurrency';
import { isAppError } from '../../errors';
import { type Log, logEvent } from '../../log';
import {
  type ConnectionStateLookup,
  connectionStateLookup,
  type ServiceLookup,
  serviceGuardLookup,
} from '../adapters/connection-state';
import { enqueueProbeRequests, parseProbeRequest } from '../adapters/probe-queue';
import { loadProbeTargets } from '../adapters/targets';
import { isInMaintenance } from '../core/maintenance';
import { occurrenceAtOrBefore, probeDeadlineMs, scheduleIntervalMs } from '../core/probe-schedule';
import { guardService } from '../core/service-guard';
import { shortSecretWarnings } from '../core/target-secrets';
import type { ProbeResult, ProbeRunner, ProbeTarget } from '../core/types';
import { type RecordOutcome, recordResult } from '../storage/probe-store';
import { type RunLogEntry, writeRunLog } from '../storage/run-log';
import { fanOut, startGapMs } from './fan-out';
import type { ProbePorts, TimerInfo } from './probe-ports';
import { evaluateSloBurnQuietly } from './slo-burn';

export interface ProbeDependencies {
  readonly container: ProbePorts;
  readonly runner: ProbeRunner;
  /** Null when the app cannot ask ARM; failures are then recorded without a connection label. */
  readonly lookup: ConnectionStateLookup | null;
  /** What a private endpoint reaches, for targets with `expectedService`; null when the app cannot ask ARM. */
  readonly serviceLookup?: ServiceLookup | null;
  /** Gap between two probe starts in an inline run; default from `startGapMs` (0 starts all at once). */
  readonly startGapMs?: number;
}

export interface RunSummary extends RunLogEntry {
  readonly durationMs: number;
}

export async function probeTick(
  timer: TimerInfo,
  context: Log,
  deps: Partial<ProbeDependencies> & Pick<ProbeDependencies, 'container'>,
): Promise<RunSummary> {
  const container = deps.container;
  const startedAt = container.clock.now();
  const { schedule, concurrency, queueThreshold } = container.config.probe;
  const scheduledAt = occurrenceAtOrBefore(schedule, startedAt);
  const intervalMs = scheduleIntervalMs(schedule, scheduledAt);
  const deadlineMs = probeDeadlineMs(intervalMs);
  const base = {
    source: 'timer' as const,
    scheduledAt,
    startedAt,
    isPastDue: timer.isPastDue === true,
    lastScheduled: timer.scheduleStatus?.last ?? null,
    nextScheduled: timer.scheduleStatus?.next ?? null,
    deadlineMs,
    concurrency,
  };

  let targets: ProbeTarget[];
  try {
    targets = (await loadProbeTargets(container.config.probe.targetsSource, container.appRoot)).value;
  } catch (error) {
    // A broken targets file must be as visible as a dead timer: log it and keep a run row.
    const entry = emptyEntry(base, container.clock.now(), error);
    await writeRunLog(container, entry);
    context.error(
      JSON.stringify({ event: 'probe.run.targetsInvalid', scheduledAt, detail: entry.loadError }),
    );
    throw error;
  }
  warnShortSecrets(context, container.config.probe.targetsSource, targets);

  const entry =
    targets.length > queueThreshold
      ? await enqueueRun(container, targets, base, intervalMs)
      : await inlineRun(container, context, targets, base, deps);
  await writeRunLog(container, entry);
  const summary = { ...entry, durationMs: entry.finishedAt.getTime() - entry.startedAt.getTime() };
  logRunSummary(context, summary);
  return summary;
}

/** Warnings already written by this instance: each is written once, not every minute. */
const shortSecretsWarned = new Set<string>();

/** A secret too short to redact inside words is named (source and field) once per instance; see target-secrets.ts. */
function warnShortSecrets(
  context: Log,
  source: ProbePorts['config']['probe']['targetsSource'],
  targets: readonly ProbeTarget[],
): void {
  const origin = source.kind === 'inline' ? 'PROBE_TARGETS' : source.path;
  for (const warning of shortSecretWarnings(targets)) {
    const detail = `${origin} ${warning}`;
    if (shortSecretsWarned.has(detail)) continue;
    shortSecretsWarned.add(detail);
    logEvent(context, { level: 'warn', event: 'probe.targets.shortSecret', detail });
  }
}

/** The queue trigger's use case: one target, the same write path as the inline run. */
export async function probeQueuedTarget(
  message: unknown,
  context: Log,
  deps: Partial<ProbeDependencies> & Pick<ProbeDependencies, 'container'>,
): Promise<ProbeOutcome | null> {
  const container = deps.container;
  const request = parseProbeRequest(message);
  const scheduledAt = new Date(request.scheduledAt);
  const now = container.clock.now();
  const intervalMs = scheduleIntervalMs(container.config.probe.schedule, scheduledAt);
  const remainingMs = scheduledAt.getTime() + probeDeadlineMs(intervalMs) - now.getTime();
  if (remainingMs < 1_000) {
    // The next tick has its own message; probing now would only misdate a result.
    context.warn(
      JSON.stringify({
        event: 'probe.queue.stale',
        targetId: request.targetId,
        scheduledAt: request.scheduledAt,
      }),
    );
    return null;
  }
  const targets = (await loadProbeTargets(container.config.probe.targetsSource, container.appRoot)).value;
  const target = targets.find((t) => t.id === request.targetId);
  if (target === undefined) {
    // Removed from the configuration since the tick: nothing to probe, and retrying cannot help.
    context.warn(JSON.stringify({ event: 'probe.queue.unknownTarget', targetId: request.targetId }));
    return null;
  }
  const resolved = await resolveDependencies(container, context, deps);
  const signal = AbortSignal.timeout(remainingMs);
  // Unlike the inline run, a failed write is thrown: the host retries the message (idempotently).
  const outcome = await probeAndRecord(resolved, context, target, scheduledAt, signal, true);
  await container.publishAvailability(context, [outcome]);
  return outcome;
}

async function inlineRun(
  container: ProbePorts,
  context: Log,
  targets: readonly ProbeTarget[],
  base: RunBase,
  deps: Partial<ProbeDependencies> | undefined,
): Promise<RunLogEntry> {
  const resolved = await resolveDependencies(container, context, deps);
  const signal = AbortSignal.timeout(base.deadlineMs);
  // Every in-flight probe listens on the one run deadline: that is by design, not a leak.
  setMaxListeners(base.concurrency * 4 + 16, signal);
  // Probe everything first, then write: writes running beside probes would steal the event loop
  // from them and show up as latency (or, at high concurrency, as false HEADERS_TIMEOUTs).
  // Starts are spaced (see fan-out.ts) so that no attempt's clock runs while it waits behind the
  // others' work; the last start still leaves the slowest target its whole budget before the deadline.
  const gapMs = deps?.startGapMs ?? startGapMs(targets.length, base.deadlineMs - longestRunMs(targets));
  const probeStart = performance.now();
  const started = await fanOut(targets, { limit: base.concurrency, gapMs, signal }, (target) =>
    probeOne(resolved, context, target, base.scheduledAt, signal),
  );
  const probed = started.map(({ value, queueMs }) =>
    value.result === null ? value : { ...value, result: { ...value.result, queueMs } },
  );
  const probeMs = Math.round(performance.now() - probeStart);
  const outcomes = await mapWithConcurrency(probed, Math.min(base.concurrency, WRITE_CONCURRENCY), (p) =>
    p.result === null ? Promise.resolve(p) : recordOne(resolved, context, p.target, p.result, false),
  );
  await container.publishAvailability(context, outcomes);
  const count = (status: ProbeResult['status']) =>
    outcomes.filter((o) => o.result !== null && !o.result.inMaintenance && o.result.status === status).length;
  return {
    ...base,
    mode: 'inline',
    finishedAt: container.clock.now(),
    probeMs,
    targets: targets.length,
    enqueued: 0,
    up: count('UP'),
    degraded: count('DEGRADED'),
    down: count('DOWN'),
    maintenance: outcomes.filter((o) => o.result?.inMaintenance === true).length,
    writeErrors: outcomes.filter((o) => o.error !== null).length,
    stateChanges: outcomes.filter((o) => o.outcome?.transition != null).length,
    loadError: null,
  };
}

/** The longest one target's run may take: every attempt to its total timeout. */
function longestRunMs(targets: readonly ProbeTarget[]): number {
  let longest = 0;
  for (const t of targets) longest = Math.max(longest, (1 + t.retries) * t.timeouts.totalMs);
  return longest;
}

async function enqueueRun(
  container: ProbePorts,
  targets: readonly ProbeTarget[],
  base: RunBase,
  intervalMs: number,
): Promise<RunLogEntry> {
  const enqueued = await enqueueProbeRequests(container, targets, base.scheduledAt, intervalMs / 1000);
  return {
    ...emptyEntry(base, container.clock.now(), null),
    mode: 'queue',
    targets: targets.length,
    enqueued,
  };
}

export interface ProbeOutcome {
  readonly target: ProbeTarget;
  readonly result: ProbeResult | null;
  readonly outcome: RecordOutcome | null;
  /** Why the probe or its writes failed (the run goes on with the other targets). */
  readonly error: string | null;
}

/** At most this many targets are written at once: enough to hide storage latency, few enough to bound sockets. */
export const WRITE_CONCURRENCY = 64;

/** Probe one target, annotate (maintenance, connection state), record, warn on a state change. */
export async function probeAndRecord(
  deps: ProbeDependencies,
  context: Log,
  target: ProbeTarget,
  scheduledAt: Date,
  signal: AbortSignal,
  throwOnWriteError: boolean,
): Promise<ProbeOutcome> {
  const probed = await probeOne(deps, context, target, scheduledAt, signal);
  if (probed.result === null) return probed;
  return recordOne(deps, context, target, probed.result, throwOnWriteError);
}

async function probeOne(
  deps: ProbeDependencies,
  context: Log,
  target: ProbeTarget,
  scheduledAt: Date,
  signal: AbortSignal,
): Promise<ProbeOutcome> {
  try {
    const probed = await deps.runner(target, { scheduledAt, signal });
    const guarded = await guard(probed, target, deps.serviceLookup ?? null);
    const result = await annotate(guarded, target, deps.lookup);
    return { target, result, outcome: null, error: null };
  } catch (error) {
    // The engine turns probe failures into results; reaching here is a bug, kept to this target.
    const code = isAppError(error) ? error.code : 'internal';
    context.error(
      JSON.stringify({ event: 'probe.target.failed', targetId: target.id, stage: 'probe', code }),
    );
    return { target, result: null, outcome: null, error: code };
  }
}

async function recordOne(
  deps: ProbeDependencies,
  context: Log,
  target: ProbeTarget,
  result: ProbeResult,
  throwOnWriteError: boolean,
): Promise<ProbeOutcome> {
  try {
    const outcome = await recordResult(deps.container, target, result);
    // After the run is counted, so its burn includes it; never fails the run.
    await evaluateSloBurnQuietly(deps.container, target, context);
    if (outcome.transition !== null) {
      const t = outcome.transition;
      context.warn(
        JSON.stringify({
          event: 'probe.stateChange',
          targetId: target.id,
          from: t.from,
          to: t.to,
          at: t.at,
          reason: t.reason,
          connectionState: t.connectionState,
          runId: t.runId,
        }),
      );
    }
    return { target, result, outcome, error: null };
  } catch (error) {
    if (throwOnWriteError) throw error;
    const code = isAppError(error) ? error.code : 'internal';
    context.error(
      JSON.stringify({ event: 'probe.target.failed', targetId: target.id, stage: 'write', code }),
    );
    return { target, result, outcome: null, error: code };
  }
}

/**
 * Marks maintenance and, for a DOWN result (other than WRONG_SERVICE), the connection state. Maintenance is judged at the
 * run's scheduled time, the same instant rollups bucket the run by, so a run is never counted in
 * one hour but judged by another.
 */
async function annotate(
  result: ProbeResult,
  target: ProbeTarget,
  lookup: ConnectionStateLookup | null,
): Promise<ProbeResult> {
  const inMaintenance =
    result.inMaintenance || isInMaintenance(target.maintenance, new Date(result.scheduledAt));
  let connectionState = result.connectionState;
  if (
    connectionState === null &&
    result.status === 'DOWN' &&
    // A wrong service is not explained by its connection's state (and must not be muted by it).
    result.final.failure?.class !== 'WRONG_SERVICE' &&
    target.dependsOn !== undefined &&
    lookup !== null
  )
    connectionState = await lookup(target.dependsOn);
  return inMaintenance === result.inMaintenance && connectionState === result.connectionState
    ? result
    : { ...result, inMaintenance, connectionState };
}

/**
 * The consumer guard (../core/service-guard.ts): for a target with `expectedService`, asks what its
 * private endpoint reaches on every run, passing or not (a re-pointed endpoint still answers), and
 * makes a mismatch DOWN with WRONG_SERVICE. That DOWN travels the ordinary path: the state machine,
 * then a probe.down notification naming the failure class and what was found.
 * When ARM cannot be asked the guard cannot vouch for the endpoint: a passing result is marked
 * DEGRADED with the reason (visible, and told as probe.degraded) instead of silently UP.
 */
async function guard(
  result: ProbeResult,
  target: ProbeTarget,
  lookup: ServiceLookup | null,
): Promise<ProbeResult> {
  if (target.expectedService === undefined || target.dependsOn === undefined) return result;
  const found = lookup === null ? null : await lookup(target.dependsOn);
  if (found !== null) return guardService(result, target.expectedService, found);
  if (result.status !== 'UP') return result;
  return {
    ...result,
    status: 'DEGRADED',
    reason: 'the consumer guard could not read the private endpoint from ARM (expectedService unchecked)',
  };
}

async function resolveDependencies(
  container: ProbePorts,
  context: Log,
  deps: Partial<ProbeDependencies> | undefined,
): Promise<ProbeDependencies> {
  const runner = deps?.runner ?? (await defaultProbeRunner(container));
  const lookup = deps?.lookup !== undefined ? deps.lookup : lazyLookup(container, context);
  const serviceLookup =
    deps?.serviceLookup !== undefined ? deps.serviceLookup : lazyServiceLookup(container, context);
  return { container, runner, lookup, serviceLookup };
}

/**
 * ARM is asked only when a target with `dependsOn` fails, once per connection per run; the
 * gateway (and the ARM SDK) is not even built while everything is up.
 */
function lazyLookup(container: ProbePorts, context: Log): ConnectionStateLookup {
  let lookup: Promise<ConnectionStateLookup | null> | undefined;
  const perConnection = new Map<string, Promise<string | null>>();
  return (dependsOn) => {
    let state = perConnection.get(dependsOn);
    if (state === undefined) {
      lookup ??= connectionStateLookup(container, context);
      state = lookup.then((l) => (l === null ? null : l(dependsOn)));
      perConnection.set(dependsOn, state);
    }
    return state;
  };
}

/** Like lazyLookup: the gateway is built on the first guarded target, each endpoint read once per run. */
function lazyServiceLookup(container: ProbePorts, context: Log): ServiceLookup {
  let lookup: Promise<ServiceLookup | null> | undefined;
  const perEndpoint = new Map<string, Promise<readonly string[] | null>>();
  return (privateEndpointId) => {
    let found = perEndpoint.get(privateEndpointId);
    if (found === undefined) {
      lookup ??= serviceGuardLookup(container, context);
      found = lookup.then((l) => (l === null ? null : l(privateEndpointId)));
      perEndpoint.set(privateEndpointId, found);
    }
    return found;
  };
}

async function defaultProbeRunner(_container: ProbePorts): Promise<ProbeRunner> {
  const engine = await import('../adapters/http-probe');
  return engine.probeTarget;
}

type RunBase = Pick<
  RunLogEntry,
  | 'source'
  | 'scheduledAt'
  | 'startedAt'
  | 'isPastDue'
  | 'lastScheduled'
  | 'nextScheduled'
  | 'deadlineMs'
  | 'concurrency'
>;

function emptyEntry(base: RunBase, finishedAt: Date, error: unknown): RunLogEntry {
  return {
    ...base,
    mode: 'inline',
    finishedAt,
    probeMs: 0,
    targets: 0,
    enqueued: 0,
    up: 0,
    degraded: 0,
    down: 0,
    maintenance: 0,
    writeErrors: 0,
    stateChanges: 0,
    loadError:
      error === null
        ? null
        : isAppError(error)
          ? error.message.slice(0, 1024)
          : 'targets could not be loaded',
  };
}

function logRunSummary(context: Log, s: RunSummary): void {
  const line = JSON.stringify({
    event: 'probe.run',
    mode: s.mode,
    scheduledAt: s.scheduledAt.toISOString(),
    startedAt: s.startedAt.toISOString(),
    delayMs: s.startedAt.getTime() - s.scheduledAt.getTime(),
    isPastDue: s.isPastDue,
    targets: s.targets,
    enqueued: s.enqueued,
    up: s.up,
    degraded: s.degraded,
    down: s.down,
    maintenance: s.maintenance,
    writeErrors: s.writeErrors,
    stateChanges: s.stateChanges,
    durationMs: s.durationMs,
    probeMs: s.probeMs,
    deadlineMs: s.deadlineMs,
    concurrency: s.concurrency,
  });
  if (s.isPastDue || s.writeErrors > 0) context.warn(line);
  else context.log(line);
}
