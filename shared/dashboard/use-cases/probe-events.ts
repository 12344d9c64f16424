/*
 * The incident timeline: state-change events of every target (or one), newest first, each with
 * the results that caused it. One partition range query per target on the events table's keys
 * (partition = target id, row key `{invertedTicks(at)}_{runHash}`); the target list comes from
 * the latest-state partition, so no table scan is needed.
 */
import type { ProbeEvent } from '../../probe/core/probe-event';
import { readEvents } from '../../probe/storage/events';
import { readAllLatest } from '../../probe/storage/latest';
import type { TableSource } from '../../storage/table-source';

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
  container: TableSource,
  query: ProbeEventsQuery,
): Promise<ProbeEventList> {
  const targets =
    query.target === undefined ? (await readAllLatest(container)).map((v) => v.targetId) : [query.target];
  const perTarget = await Promise.all(targets.map((t) => readEvents(container, t, query)));
  const all = perTarget.flat().sort((a, b) => b.at.localeCompare(a.at));
  return {
    from: query.from.toISOString(),
    to: query.to.toISOString(),
    items: all.slice(0, query.limit),
    truncated: all.length > query.limit,
  };
}
