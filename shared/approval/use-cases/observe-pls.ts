import type { PrivateEndpointConnection } from '../../arm/arm-gateway';
import { toAppError } from '../../errors';
import { type Log, logEvent } from '../../log';
import { connectionKey } from '../../storage/table-keys';
import { type CapturedConnection, captureConnection } from '../core/captured-connection';
import type { ConnectionRecord, RecordPatch } from '../core/connection-record';
import type { Arrival } from '../core/fast-path-stats';
import { compareWithRecords, type DriftRecord } from '../storage/drift';
import type { ReconcileDeps } from './approval-services';
import type { PlsReconcileSummary, ReconcileContext } from './reconcile-summary';

/*
 * What one list of a PLS shows, recorded: each connection captured (tenant, request message), the
 * records brought up to date, drift against them, and arrivals for the fast path statistics.
 */

export async function captureAll(
  services: ReconcileDeps,
  connections: readonly PrivateEndpointConnection[],
  records: ReadonlyMap<string, ConnectionRecord>,
): Promise<CapturedConnection[]> {
  const subscriptions = [
    ...new Set(
      connections.map((c) => captureConnection(c, { consumerTenantId: undefined }).consumerSubscriptionId),
    ),
  ];
  const tenants = new Map<string | undefined, string | undefined>();
  await Promise.all(subscriptions.map(async (s) => tenants.set(s, await services.tenants.tenantOf(s))));
  return connections.map((connection) => {
    const bare = captureConnection(connection, { consumerTenantId: undefined });
    return captureConnection(connection, {
      consumerTenantId: tenants.get(bare.consumerSubscriptionId),
      earlierRequestMessage: records.get(connectionKey(connection.name))?.requestMessage,
    });
  });
}

export interface Observation {
  /** Settles once the connection records of this list are written (or failed to be). */
  readonly recordsWritten: Promise<void>;
  /** Drift counts and arrivals once every observation row is written; rejects if drift was not recorded. */
  readonly done: Promise<{ drift: PlsReconcileSummary['drift']; arrivals: number }>;
}

/** Starts writing what the list showed (records, drift, arrivals) without waiting for it. */
export function observe(
  services: ReconcileDeps,
  plsId: string,
  captures: readonly CapturedConnection[],
  records: ReadonlyMap<string, ConnectionRecord>,
  listedAt: Date,
  context: ReconcileContext,
): Observation {
  let recordsWritten: () => void = () => {};
  const written = new Promise<void>((resolve) => {
    recordsWritten = resolve;
  });
  const done = (async () => {
    try {
      const { counts, appeared } = await recordDrift(
        services,
        plsId,
        captures,
        records,
        listedAt,
        context.log,
        recordsWritten,
      );
      const arrivals = await recordArrivals(services, plsId, appeared, listedAt, context);
      return { drift: counts, arrivals };
    } finally {
      recordsWritten();
    }
  })();
  // Awaited at the end of the run; until then a rejection must not count as unhandled.
  done.catch(() => undefined);
  return { recordsWritten: written, done };
}

/**
 * Records the connections that appeared for the fast path statistics, and when this PLS was
 * listed. Observation only: a failure here is logged and decides nothing.
 */
async function recordArrivals(
  services: ReconcileDeps,
  plsId: string,
  appeared: readonly DriftRecord[],
  listedAt: Date,
  context: ReconcileContext,
): Promise<number> {
  try {
    const previous = appeared.length === 0 ? undefined : await services.arrivals.lastListedAt(plsId);
    const event = context.event;
    const arrivals: Arrival[] =
      previous === undefined
        ? []
        : appeared.map((d) => {
            const eventTime = event?.eventTime === undefined ? undefined : Date.parse(event.eventTime);
            const seenAt = event === undefined ? listedAt.getTime() : Date.parse(event.receivedAt);
            // The event's own time measures the change only if it is newer than the last list.
            const changedAt =
              eventTime !== undefined && eventTime >= previous.getTime() ? eventTime : undefined;
            return {
              plsId,
              connectionName: d.connectionName,
              foundAt: listedAt,
              foundBy: event === undefined ? 'reconciliation' : 'event',
              eventType: event?.type,
              eventTopic: event?.topic,
              delayMs: Math.max(0, seenAt - (changedAt ?? previous.getTime())),
              delayIsUpperBound: changedAt === undefined,
            };
          });
    await services.arrivals.record(arrivals);
    await services.arrivals.markListed(plsId, listedAt);
    return arrivals.length;
  } catch (error) {
    logEvent(context.log, {
      level: 'warn',
      event: 'approval.arrivals_not_recorded',
      pls: plsId,
      code: toAppError(error).code,
    });
    return 0;
  }
}

async function recordDrift(
  services: ReconcileDeps,
  plsId: string,
  captures: readonly CapturedConnection[],
  records: ReadonlyMap<string, ConnectionRecord>,
  listedAt: Date,
  log: Log,
  recordsWritten: () => void,
): Promise<{ counts: PlsReconcileSummary['drift']; appeared: DriftRecord[] }> {
  const comparison = compareWithRecords(
    plsId,
    captures.map((c) => c.connection),
    records,
    listedAt,
  );
  const byName = new Map(captures.map((c) => [connectionKey(c.connection.name), c]));
  const at = listedAt.toISOString();
  const upserts = comparison.changed.map((connection): RecordPatch => {
    const capture = byName.get(connectionKey(connection.name));
    const known = records.get(connectionKey(connection.name));
    return {
      plsId,
      connectionId: connection.id,
      connectionName: connection.name,
      status: connection.status,
      privateEndpointId: connection.privateEndpointId,
      privateEndpointLocation: connection.privateEndpointLocation,
      consumerSubscriptionId: capture?.consumerSubscriptionId,
      consumerTenantId: capture?.consumerTenantId,
      requestMessage: capture?.requestMessage,
      linkId: connection.linkIdentifier,
      firstSeenAt: known?.firstSeenAt ?? at,
      // A record only gaining its link id keeps its change time: nothing the consumer sees changed.
      changedAt: known !== undefined && known.status === connection.status ? known.changedAt : at,
    };
  });
  await services.records.apply(
    plsId,
    upserts,
    comparison.vanished.map((s) => s.connectionName),
  );
  recordsWritten();
  await services.drift.write(comparison.drift);
  const counts = { appeared: 0, vanished: 0, changed: 0 };
  for (const d of comparison.drift) {
    counts[d.kind]++;
    if (d.kind !== 'appeared') {
      logEvent(log, {
        event: 'approval.drift',
        kind: d.kind,
        pls: plsId,
        connection: d.connectionName,
        from: d.statusBefore,
        to: d.statusAfter,
      });
    }
  }
  return { counts, appeared: comparison.drift.filter((d) => d.kind === 'appeared') };
}
