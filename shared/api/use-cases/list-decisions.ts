import { z } from 'zod';
import type { AuditEntry, AuditStore } from '../../approval/storage/audit-store';
import type { ApprovalServices } from '../../approval/use-cases/approval-services';
import { sameResourceId } from '../../arm/resource-id';
import { AppError } from '../../errors';
import type { Log } from '../../log';
import { plsKey } from '../../storage/table-keys';
import {
  DEFAULT_PAGE_SIZE,
  DEFAULT_RANGE_DAYS,
  type DecisionList,
  type listDecisionsQuerySchema,
  MAX_RANGE_DAYS,
  type PlsRef,
} from '../core/api-schemas';
import { decodeToken, encodeToken, fingerprintOf } from '../core/continuation-token';
import type { ApprovalApiDeps } from './api-deps';
import { resolveManagedPls } from './managed-pls';
import { decisionRecordOf } from './views';

export type ListDecisionsQuery = z.output<typeof listDecisionsQuerySchema>;

const DAY_MS = 86_400_000;
/** Rows read from the by-time table per round trip, and at most per request when filters skip most rows. */
const BATCH = 200;
export const SCAN_LIMIT = 5_000;
/** One connection's history is read whole (it is small), then filtered and paged in memory. */
const CONNECTION_HISTORY_LIMIT = 10_000;

/**
 * Two cursors, one per index of the audit: by connection (offset into its newest-first history)
 * and by time (the last row read: its time and how many rows of that same millisecond were read,
 * since rows of one millisecond are ordered by decision id).
 */
const connectionCursorSchema = z
  .object({
    v: z.literal(1),
    f: z.string().max(64),
    m: z.literal('c'),
    o: z.number().int().min(0).max(CONNECTION_HISTORY_LIMIT),
  })
  .strict();
const timeCursorSchema = z
  .object({
    v: z.literal(1),
    f: z.string().max(64),
    m: z.literal('t'),
    t: z.number().int().min(0),
    k: z.number().int().min(0).max(100_000),
  })
  .strict();

interface Filters {
  readonly pls: PlsRef | undefined;
  readonly connection: string | undefined;
  readonly actor: string | undefined;
  readonly from: Date;
  readonly to: Date;
}

/** GET /decisions: the audit trail, newest first, by connection, actor and time range, a page at a time. */
export async function readDecisions(
  container: ApprovalApiDeps,
  query: ListDecisionsQuery,
  log: Log,
): Promise<DecisionList> {
  const services = await container.approvalServices();
  const filters = await filtersOf(services, query, log);
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const fingerprint = fingerprintOf({
    pls: filters.pls === undefined ? undefined : plsKey(filters.pls.id),
    connection: filters.connection?.toLowerCase(),
    actor: filters.actor,
    // As given: a defaulted `to` is "now", which moves between pages while the query stays the same.
    from: query.from,
    to: query.to,
  });
  const { audit } = services;
  const page =
    filters.pls !== undefined && filters.connection !== undefined
      ? await byConnection(
          audit,
          filters,
          filters.pls,
          filters.connection,
          limit,
          query.continuationToken,
          fingerprint,
        )
      : await byTime(audit, filters, limit, query.continuationToken, fingerprint);
  return { ...page, from: filters.from.toISOString(), to: filters.to.toISOString() };
}

async function filtersOf(services: ApprovalServices, query: ListDecisionsQuery, log: Log): Promise<Filters> {
  if (query.connection !== undefined && query.pls === undefined) {
    throw new AppError(
      'validation_failed',
      'Invalid query: connection needs pls (connection names are per Private Link Service).',
      {
        issues: [{ path: 'query.pls', message: 'required when connection is given' }],
      },
    );
  }
  const to = query.to === undefined ? services.clock.now() : new Date(query.to);
  const from =
    query.from === undefined ? new Date(to.getTime() - DEFAULT_RANGE_DAYS * DAY_MS) : new Date(query.from);
  if (from.getTime() > to.getTime()) {
    throw new AppError('validation_failed', 'Invalid query: from is after to.', {
      issues: [{ path: 'query.from', message: 'expected a time before to' }],
    });
  }
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
    throw new AppError('validation_failed', `Invalid query: the time range exceeds ${MAX_RANGE_DAYS} days.`, {
      issues: [{ path: 'query.from', message: `expected at most ${MAX_RANGE_DAYS} days before to` }],
    });
  }
  return {
    pls: query.pls === undefined ? undefined : await resolveManagedPls(services, query.pls, log, 'query.pls'),
    connection: query.connection,
    actor: query.actor?.toLowerCase(),
    from,
    to,
  };
}

function matches(entry: AuditEntry, filters: Filters): boolean {
  const at = entry.at.getTime();
  if (at < filters.from.getTime() || at > filters.to.getTime()) return false;
  if (filters.pls !== undefined && !sameResourceId(entry.plsId, filters.pls.id)) return false;
  if (filters.actor !== undefined) {
    const actor = entry.actor;
    const names =
      actor.kind === 'policy' ? ['policy'] : [actor.name.toLowerCase(), actor.objectId.toLowerCase()];
    if (!names.includes(filters.actor)) return false;
  }
  return true;
}

async function byConnection(
  audit: AuditStore,
  filters: Filters,
  pls: PlsRef,
  connection: string,
  limit: number,
  token: string | undefined,
  fingerprint: string,
): Promise<Pick<DecisionList, 'items' | 'continuationToken'>> {
  const cursor = decodeToken(token, connectionCursorSchema, fingerprint);
  const offset = cursor?.o ?? 0;
  const rows = (await audit.listByConnection(pls.id, connection, CONNECTION_HISTORY_LIMIT)).filter((e) =>
    matches(e, filters),
  );
  const slice = rows.slice(offset, offset + limit);
  const next = offset + slice.length;
  return {
    items: slice.map(decisionRecordOf),
    continuationToken: next < rows.length ? encodeToken({ f: fingerprint, m: 'c', o: next }) : null,
  };
}

async function byTime(
  audit: AuditStore,
  filters: Filters,
  limit: number,
  token: string | undefined,
  fingerprint: string,
): Promise<Pick<DecisionList, 'items' | 'continuationToken'>> {
  const cursor = decodeToken(token, timeCursorSchema, fingerprint);
  let upTo = cursor === undefined ? filters.to : new Date(cursor.t);
  // Rows of the `upTo` millisecond already read on earlier pages (or earlier batches).
  let seenAtUpTo = cursor?.k ?? 0;
  const items: AuditEntry[] = [];
  let scanned = 0;
  for (;;) {
    const want = BATCH + seenAtUpTo;
    const batch = await audit.listByTime(filters.from, upTo, want);
    const fresh = dropSeen(batch, upTo, seenAtUpTo);
    for (const entry of fresh) {
      scanned++;
      if (entry.at.getTime() === upTo.getTime()) seenAtUpTo++;
      else {
        upTo = entry.at;
        seenAtUpTo = 1;
      }
      if (matches(entry, filters)) items.push(entry);
      const full = items.length === limit;
      if (full || scanned >= SCAN_LIMIT) {
        return {
          items: items.map(decisionRecordOf),
          continuationToken: encodeToken({ f: fingerprint, m: 't', t: upTo.getTime(), k: seenAtUpTo }),
        };
      }
    }
    if (batch.length < want) return { items: items.map(decisionRecordOf), continuationToken: null };
  }
}

/** Newest first: the rows of the `upTo` millisecond come first, and the first `seen` of them were read already. */
function dropSeen(batch: readonly AuditEntry[], upTo: Date, seen: number): AuditEntry[] {
  let skipped = 0;
  return batch.filter((entry) => {
    if (skipped < seen && entry.at.getTime() === upTo.getTime()) {
      skipped++;
      return false;
    }
    return true;
  });
}
