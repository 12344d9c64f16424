/**
 * The `watchNewConnections` timer's use case: a cheap "what is new" pass between two full
 * reconciliations (docs/approval.md, "Finding new connections in seconds"). No event reaches the
 * provider when a consumer in another tenant creates a private endpoint, so without this pass a new
 * connection waits for the next reconciliation run.
 *
 *   claim the pass (one instance per period) → list what is new with the fewest reads → hand each
 *   PLS with something unsettled to the normal decision path (within a time budget; the rest goes on
 *   the reconcile queue) → derive the next period from the reads spent → record the pass for health
 *
 * - Reads: `arm` lists every PLS of a subscription once per pass (connections inline), `graph` asks
 *   Resource Graph once for the Pending connections of every PLS; both are filtered here to the
 *   managed services. `auto` takes ARM while discovery is off or few services are managed.
 * - Nothing is decided from the list: a PLS with something unsettled is reconciled exactly as the
 *   timer would (reconcile-pls.ts re-reads it from ARM, claims, audits). A list is only a hint.
 * - Settled means the connection record already shows the listed status, and a Pending one already
 *   has its verdict (manual, dry-run): such a connection is not handed again.
 * - Period: the reads the last pass cost divided by the share of the read allowance the pass may
 *   spend (watchPeriodMs), never shorter than the tick (a tick that is not due returns at once).
 * - A throttled or failed read hands nothing from what failed and pushes the next pass out by the
 *   Retry-After (never a retry loop inside the pass); the reconciliation timer stays the safety net.
 */

import type { ListedPrivateLinkService } from '../../arm/arm-gateway';
import type { DiscoveryScope, PendingConnectionsResult } from '../../arm/resource-graph';
import { parsePlsId } from '../../arm/resource-id';
import { mapWithConcurrency } from '../../async/map-with-concurrency';
import { type AppError, toAppError } from '../../errors';
import { type Log, logEvent } from '../../log';
import { connectionKey } from '../../storage/table-keys';
import type { Policy } from '../core/policy/policy';
import type { WatchPassStatus, WatchSource, WatchState, WatchStateStore } from '../storage/watch-state-store';
import type { RunDeps } from './approval-services';
import { managedIdsOf } from './managed-services';
import { queueContinuations, reconcileAll } from './reconcile-all';

export type WatchMode = 'auto' | 'arm' | 'graph' | 'off';

/**
 * ARM's read bucket refills 25 tokens per second per subscription, principal and region ("Understand
 * how Azure Resource Manager throttles requests", token bucket table).
 */
export const ARM_READ_REFILL_PER_SECOND = 25;
/** Microsoft.Network: 10,000 GET per 5 minutes per subscription (the older throttling doc's NRP table). */
export const NRP_READS_PER_FIVE_MINUTES = 10_000;
/** Resource Graph: 15 queries per 5 seconds per user ("Guidance for throttled requests in Azure Resource Graph"). */
export const GRAPH_QUERIES_PER_FIVE_SECONDS = 15;

/** Reads per second one subscription allows the principal: the lower of ARM's refill and NRP's window. */
export const ARM_READ_ALLOWANCE_PER_SECOND = Math.min(
  ARM_READ_REFILL_PER_SECOND,
  NRP_READS_PER_FIVE_MINUTES / 300,
);
export const GRAPH_ALLOWANCE_PER_SECOND = GRAPH_QUERIES_PER_FIVE_SECONDS / 5;

/** A tick this close before `nextDueAt` runs the pass: timers fire a little early or late. */
export const WATCH_TICK_SLACK_MS = 1_000;
/** Most time one invocation hands PLS to the decision path before queuing the rest. */
export const WATCH_DECIDE_BUDGET_MS = 30_000;
/** How long a claim keeps other instances out while its pass runs (lists + decisions), or after it died. */
export const WATCH_HOLD_MS = WATCH_DECIDE_BUDGET_MS + 30_000;
/** A connection handed at one status is not handed again for this long by the same instance. */
export const WATCH_REHAND_AFTER_MS = 60_000;

/** The reads one pass cost: the most any one subscription paid (ARM), and the Resource Graph queries. */
export interface WatchCost {
  /** Most ARM reads the pass sent to any one subscription (list pages, plus the reads of handed PLS). */
  readonly armReadsPerSubscription: number;
  readonly graphQueries: number;
}

/**
 * The period the pass may run at without spending more than its shares: reads ÷ allowed rate, for
 * ARM (per subscription, whose buckets are separate) and Resource Graph (per user), whichever is
 * longer. Zero reads give zero (the tick itself is the floor). Shares are fractions in (0, 1].
 */
export function watchPeriodMs(
  cost: WatchCost,
  shares: { readonly read: number; readonly graph: number },
): number {
  const arm = cost.armReadsPerSubscription / (shares.read * ARM_READ_ALLOWANCE_PER_SECOND);
  const graph = cost.graphQueries / (shares.graph * GRAPH_ALLOWANCE_PER_SECOND);
  return Math.ceil(Math.max(arm, graph) * 1000);
}

/** Which list the pass uses: `auto` takes ARM while discovery is off or the estate is small. */
export function watchSourceOf(
  mode: Exclude<WatchMode, 'off'>,
  managedCount: number,
  options: { readonly discoveryOn: boolean; readonly armMaxServices: number },
): WatchSource {
  if (mode !== 'auto') return mode;
  return !options.discoveryOn || managedCount <= options.armMaxServices ? 'arm' : 'graph';
}

export interface SubscriptionServiceLister {
  listSubscriptionPrivateLinkServices(
    subscriptionId: string,
  ): Promise<{ readonly services: readonly ListedPrivateLinkService[]; readonly pages: number }>;
}

export interface PendingConnectionFinder {
  listPendingConnections(scope: DiscoveryScope): Promise<PendingConnectionsResult>;
}

export interface WatchSettings {
  readonly mode: WatchMode;
  /** WATCH_READ_SHARE and WATCH_GRAPH_SHARE as fractions. */
  readonly readShare: number;
  readonly graphShare: number;
  readonly armMaxServices: number;
  readonly discoveryOn: boolean;
}

/** The pass's own ports, beside the decision path's (RunDeps). */
export interface WatchDeps extends RunDeps {
  readonly watch: {
    readonly settings: WatchSettings;
    readonly state: Pick<WatchStateStore, 'claim' | 'finish'>;
    /** ARM with no retry inside (a 429 comes back at once, the pass backs off as a whole). */
    readonly lister: () => Promise<SubscriptionServiceLister>;
    readonly graph: () => Promise<PendingConnectionFinder>;
  };
}

export interface WatchPassSummary extends WatchPassStatus {
  readonly subscriptions: number;
  /** Managed services the list showed, and those with something unsettled. */
  readonly listed: number;
  readonly unsettled: number;
}

export type WatchOutcome =
  | {
      readonly ran: false;
      readonly reason: 'off' | 'approval_off' | 'not_due' | 'state_unavailable';
      readonly nextDueAt?: Date;
    }
  | { readonly ran: true; readonly summary: WatchPassSummary };

/** What one instance remembers between passes: settled statuses, and when it last handed a connection. */
interface WatchMemory {
  readonly settled: Map<string, string>;
  readonly handedAt: Map<string, number>;
}
const memories = new WeakMap<object, WatchMemory>();

function memoryOf(deps: WatchDeps): WatchMemory {
  let memory = memories.get(deps.watch);
  if (memory === undefined) {
    memory = { settled: new Map(), handedAt: new Map() };
    memories.set(deps.watch, memory);
  }
  return memory;
}

export async function watchNewConnections(
  deps: WatchDeps,
  loadPolicy: () => Promise<Policy>,
  context: { readonly correlationId: string; readonly log: Log },
): Promise<WatchOutcome> {
  const { log } = context;
  const { settings, state } = deps.watch;
  if (settings.mode === 'off') return { ran: false, reason: 'off' };
  // With APPROVAL_MODE off the policy decides nothing, so there is nothing to hand over quickly.
  if (deps.mode === 'off') return { ran: false, reason: 'approval_off' };
  const startedAt = deps.clock.now();
  let claim: Awaited<ReturnType<typeof state.claim>>;
  try {
    claim = await state.claim(startedAt, WATCH_HOLD_MS, WATCH_TICK_SLACK_MS);
  } catch (error) {
    // Without the shared row instances cannot agree on a period: no pass (the timer and events go on).
    logEvent(log, { level: 'warn', event: 'approval.watch.state_unavailable', code: toAppError(error).code });
    return { ran: false, reason: 'state_unavailable' };
  }
  if (!claim.claimed) return { ran: false, reason: 'not_due', nextDueAt: claim.nextDueAt };
  const previous = claim.previous;
  const started = performance.now();

  const managed = await managedIdsOf(deps, log);
  const source = watchSourceOf(settings.mode, managed.length, settings);
  const byId = new Map(managed.map((id) => [id.toLowerCase(), id]));
  const subscriptions = [...new Set(managed.map((id) => parsePlsId(id).subscriptionId.toLowerCase()))];

  const found =
    managed.length === 0
      ? emptyFind()
      : source === 'arm'
        ? await findWithArm(deps, subscriptions, byId, log)
        : await findWithGraph(deps, subscriptions, byId);

  let handed = 0;
  let queued = 0;
  let unsettled: string[] = [];
  let failure: AppError | undefined = found.failure;
  const handedPerSubscription = new Map<string, number>();
  try {
    unsettled = await unsettledServices(deps, found.services, memoryOf(deps));
    if (unsettled.length > 0) {
      const policy = await loadPolicy();
      const deadline = new Date(
        deps.clock.now().getTime() + Math.min(deps.timeBudgetMs, WATCH_DECIDE_BUDGET_MS),
      );
      const run = await reconcileAll(deps, policy, unsettled, deps.reconcileConcurrency, {
        trigger: 'timer',
        correlationId: context.correlationId,
        log,
        deadline,
      });
      await queueContinuations(deps, run.unfinished, context.correlationId, log);
      queued = run.unfinished.filter((u) => u.remaining === null).length;
      handed = unsettled.length - queued;
      for (const plsId of unsettled) {
        const subscription = parsePlsId(plsId).subscriptionId.toLowerCase();
        handedPerSubscription.set(subscription, (handedPerSubscription.get(subscription) ?? 0) + 1);
      }
    }
  } catch (error) {
    failure ??= toAppError(error);
  }

  // A reconciled PLS costs its list and its GET (reconcile-pls.ts) in its own subscription.
  let armReadsPerSubscription = 0;
  for (const subscription of new Set([...found.pagesPerSubscription.keys(), ...handedPerSubscription.keys()]))
    armReadsPerSubscription = Math.max(
      armReadsPerSubscription,
      (found.pagesPerSubscription.get(subscription) ?? 0) +
        2 * (handedPerSubscription.get(subscription) ?? 0),
    );
  const reads = [...found.pagesPerSubscription.values()].reduce((a, b) => a + b, 0) + found.graphQueries;
  const derived = watchPeriodMs(
    { armReadsPerSubscription, graphQueries: found.graphQueries },
    { read: settings.readShare, graph: settings.graphShare },
  );
  // Throttled: the next pass waits at least what ARM or Resource Graph asked for.
  const backoffMs = (failure?.retryAfterSeconds ?? 0) * 1000;
  const periodMs = Math.max(derived, backoffMs);
  const sinceLastMs = previous === undefined ? undefined : startedAt.getTime() - previous.at.getTime();
  const readsPerMinute =
    sinceLastMs === undefined || sinceLastMs <= 0 || sinceLastMs > 10 * 60_000
      ? undefined
      : Math.round((reads * 60_000 * 10) / sinceLastMs) / 10;
  const status: WatchState = {
    at: startedAt,
    source,
    reads,
    periodMs,
    readsPerMinute,
    handed,
    queued,
    errorCode: failure?.code,
    lastOkAt: failure === undefined ? startedAt : previous?.lastOkAt,
    nextDueAt: new Date(startedAt.getTime() + periodMs),
  };
  try {
    await state.finish(status);
  } catch (error) {
    // The claim's hold still keeps other instances out; the next pass starts when it ends.
    logEvent(log, { level: 'warn', event: 'approval.watch.state_unavailable', code: toAppError(error).code });
  }
  const summary: WatchPassSummary = {
    ...status,
    subscriptions: subscriptions.length,
    listed: found.services.length,
    unsettled: unsettled.length,
  };
  // A pass that found nothing is a debug line: at a 5 s tick, 17,000 lines a day of "nothing new"
  // would be billed as Application Insights ingestion (host.json's Information filter drops debug);
  // health shows every pass's figures anyway.
  const quiet = failure === undefined && handed === 0 && queued === 0;
  logEvent(log, {
    ...(failure !== undefined ? { level: 'warn' as const } : quiet ? { level: 'debug' as const } : {}),
    event: failure === undefined ? 'approval.watch.pass' : 'approval.watch.failed',
    source,
    subscriptions: subscriptions.length,
    reads,
    listed: found.services.length,
    unsettled: unsettled.length,
    handed,
    queued,
    periodMs,
    readsPerMinute,
    code: failure?.code,
    upstreamCode: failure?.upstreamCode,
    retryAfterSeconds: failure?.retryAfterSeconds,
    durationMs: Math.round(performance.now() - started),
  });
  return { ran: true, summary };
}

interface Found {
  /** Managed services as listed (configured casing), only from reads that worked. */
  readonly services: readonly ListedPrivateLinkService[];
  readonly pagesPerSubscription: ReadonlyMap<string, number>;
  readonly graphQueries: number;
  /** The first failure (a throttled one first: its Retry-After sets the back-off). */
  readonly failure: AppError | undefined;
}

function emptyFind(): Found {
  return { services: [], pagesPerSubscription: new Map(), graphQueries: 0, failure: undefined };
}

/** One list per subscription; a subscription whose list fails gives nothing (the others still count). */
async function findWithArm(
  deps: WatchDeps,
  subscriptions: readonly string[],
  byId: ReadonlyMap<string, string>,
  log: Log,
): Promise<Found> {
  const lister = await deps.watch.lister();
  const services: ListedPrivateLinkService[] = [];
  const pagesPerSubscription = new Map<string, number>();
  const failures: AppError[] = [];
  await mapWithConcurrency(subscriptions, deps.reconcileConcurrency, async (subscription) => {
    try {
      const listed = await lister.listSubscriptionPrivateLinkServices(subscription);
      pagesPerSubscription.set(subscription, listed.pages);
      for (const pls of listed.services) {
        // Only managed services: another PLS in the same subscription is not ours to decide.
        const configured = byId.get(pls.id.toLowerCase());
        if (configured !== undefined) services.push({ id: configured, connections: pls.connections });
      }
    } catch (error) {
      const appError = toAppError(error);
      // The failed request was sent (a 429 costs a read too).
      pagesPerSubscription.set(subscription, 1);
      failures.push(appError);
      logEvent(log, {
        level: 'warn',
        event: 'approval.watch.list_failed',
        subscription,
        code: appError.code,
        upstreamCode: appError.upstreamCode,
        retryAfterSeconds: appError.retryAfterSeconds,
      });
    }
  });
  return { services, pagesPerSubscription, graphQueries: 0, failure: firstFailure(failures) };
}

/** One Resource Graph query (all pages) over the managed services' subscriptions. */
async function findWithGraph(
  deps: WatchDeps,
  subscriptions: readonly string[],
  byId: ReadonlyMap<string, string>,
): Promise<Found> {
  try {
    const result = await (await deps.watch.graph()).listPendingConnections({
      kind: 'subscriptions',
      subscriptionIds: subscriptions,
    });
    const perPls = new Map<string, { name: string; status: string }[]>();
    for (const row of result.connections) {
      const configured = byId.get(row.id.toLowerCase());
      if (configured === undefined) continue;
      const list = perPls.get(configured) ?? [];
      list.push({ name: row.connectionName, status: 'Pending' });
      perPls.set(configured, list);
    }
    return {
      services: [...perPls].map(([id, connections]) => ({ id, connections })),
      pagesPerSubscription: new Map(),
      graphQueries: result.pages,
      failure: undefined,
    };
  } catch (error) {
    return { services: [], pagesPerSubscription: new Map(), graphQueries: 1, failure: toAppError(error) };
  }
}

function firstFailure(failures: readonly AppError[]): AppError | undefined {
  return failures.find((f) => f.code === 'arm_throttled') ?? failures[0];
}

/**
 * The listed services with a connection the app has not settled: no record at the listed status, or
 * Pending without a recorded verdict. The instance remembers settled statuses, so a quiet estate
 * costs no table read; a status it has not seen settled reads that PLS's records once.
 */
async function unsettledServices(
  deps: WatchDeps,
  services: readonly ListedPrivateLinkService[],
  memory: WatchMemory,
): Promise<string[]> {
  const now = deps.clock.now().getTime();
  const suspects = services.filter((pls) =>
    pls.connections.some((c) => memory.settled.get(memoryKey(pls.id, c.name)) !== c.status),
  );
  const unsettled = await mapWithConcurrency(suspects, deps.reconcileConcurrency, async (pls) => {
    const records = await deps.records.listForPls(pls.id);
    let handOver = false;
    for (const connection of pls.connections) {
      const key = memoryKey(pls.id, connection.name);
      const record = records.get(connectionKey(connection.name));
      const settled =
        record !== undefined &&
        record.status === connection.status &&
        (connection.status !== 'Pending' || record.verdict?.key.startsWith('Pending|') === true);
      if (settled) {
        memory.settled.set(key, connection.status);
        continue;
      }
      const handedKey = `${key}|${connection.status}`;
      const last = memory.handedAt.get(handedKey);
      if (last !== undefined && now - last < WATCH_REHAND_AFTER_MS) continue;
      memory.handedAt.set(handedKey, now);
      handOver = true;
    }
    return handOver ? pls.id : undefined;
  });
  pruneHanded(memory, now);
  return unsettled.filter((id): id is string => id !== undefined);
}

function memoryKey(plsId: string, connectionName: string): string {
  return `${plsId.toLowerCase()}|${connectionKey(connectionName)}`;
}

function pruneHanded(memory: WatchMemory, now: number): void {
  for (const [key, at] of memory.handedAt) if (now - at >= WATCH_REHAND_AFTER_MS) memory.handedAt.delete(key);
}
