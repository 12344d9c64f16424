import type { Container } from '../composition-root';
import { asIso, invertedTicks, keySafe, PROBE_TABLES } from '../probe/tables/keys';
import { readAllLatest } from '../probe/tables/latest';
import { storageError } from '../probe/tables/storage-errors';
import type { ResultSummary } from '../probe/target-state';

/**
 * The incident timeline: state-change events of every target (or one), newest first, each with
 * the results that caused it. One partition range query per target on the events table's keys
 * (partition = target id, row key `{invertedTicks(at)}_{runHash}`); the target list comes from
 * the latest-state partition, so no table scan is needed.
 */

export interface ProbeEvent {
  readonly targetId: string;
  readonly displayName: string | null;
  readonly at: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  readonly runId: string;
  readonly connectionState: string | null;
  readonly evidence: readonly ResultSummary[];
}

export interface ProbeEventsQuery {
  readonly target?: string | undefined;
  readonly from: Date;
  readonly to: Date;
  readonly limit: number;
}

export interface ProbeEventList {
  readonly from: string;
  readonly to: string;
  readonly items: readonly ProbeEvent[];
  /** True when more events than `limit` fall in the range (narrow it to see the older ones). */
  readonly truncated: boolean;
}

export async function listProbeEvents(
  container: Container,
  query: ProbeEventsQuery,
): Promise<ProbeEventList> {
  const targets =
    query.target === undefined ? (await readAllLatest(container)).map((v) => v.targetId) : [query.target];
  const perTarget = await Promise.all(targets.map((t) => readTargetEvents(container, t, query)));
  const all = perTarget.flat().sort((a, b) => b.at.localeCompare(a.at));
  return {
    from: query.from.toISOString(),
    to: query.to.toISOString(),
    items: all.slice(0, query.limit),
    truncated: all.length > query.limit,
  };
}

async function readTargetEvents(
  container: Container,
  targetId: string,
  query: ProbeEventsQuery,
): Promise<ProbeEvent[]> {
  const table = await container.table(PROBE_TABLES.events);
  const pk = keySafe(targetId).replaceAll("'", "''");
  // Newest first within the partition, so the first `limit + 1` rows are all this target can contribute.
  const filter = `PartitionKey eq '${pk}' and RowKey gt '${invertedTicks(query.to)}_~' and RowKey lt '${invertedTicks(query.from)}_~'`;
  const events: ProbeEvent[] = [];
  try {
    for await (const e of table.listEntities({ queryOptions: { filter } })) {
      const at = asIso(e.at);
      if (at === null) continue;
      events.push({
        targetId: typeof e.targetId === 'string' ? e.targetId : targetId,
        displayName: typeof e.displayName === 'string' ? e.displayName : null,
        at,
        from: String(e.fromState ?? ''),
        to: String(e.toState ?? ''),
        reason: String(e.reason ?? ''),
        runId: String(e.runId ?? ''),
        connectionState: typeof e.connectionState === 'string' ? e.connectionState : null,
        evidence: parseEvidence(e.evidence),
      });
      if (events.length > query.limit) break;
    }
  } catch (error) {
    throw storageError('reading probe state-change events', error);
  }
  return events;
}

/** Lenient: a malformed evidence column must not hide the event itself. */
function parseEvidence(value: unknown): ResultSummary[] {
  if (typeof value !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? (parsed as ResultSummary[]) : [];
  } catch {
    return [];
  }
}
