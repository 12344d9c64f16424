import { z } from 'zod';
import type { CapturedConnection } from '../../approval/core/captured-connection';
import type { Log } from '../../log';
import { plsKey } from '../../storage/table-keys';
import {
  type ConnectionItem,
  type ConnectionList,
  DEFAULT_PAGE_SIZE,
  type listConnectionsQuerySchema,
} from '../core/api-schemas';
import { decodeToken, encodeToken, fingerprintOf, invalidToken } from '../core/continuation-token';
import type { ApprovalApiDeps } from './api-deps';
import { connectionItem, currentPolicy, type PlsReading, readPls, sortKey } from './connection-reader';
import { managedPrivateLinkServices, resolveManagedPls } from './managed-pls';

export type ListConnectionsQuery = z.output<typeof listConnectionsQuerySchema>;

/**
 * The cursor is "after this connection name on this PLS", not an offset, so connections that
 * appear or vanish between pages neither repeat nor hide the ones after them.
 */
const cursorSchema = z
  .object({
    v: z.literal(1),
    f: z.string().max(64),
    p: z.string().min(1).max(400),
    a: z.string().min(1).max(200),
  })
  .strict();

/**
 * GET /connections: every connection of the managed Private Link Services (configured order, then
 * discovered, then by name), optionally one PLS and some states only, a page at a time.
 */
export async function listConnectionItems(
  container: ApprovalApiDeps,
  query: ListConnectionsQuery,
  log: Log,
): Promise<ConnectionList> {
  const services = await container.approvalServices();
  const scope =
    query.pls === undefined
      ? await managedPrivateLinkServices(services, log)
      : [await resolveManagedPls(services, query.pls, log)];
  const statuses = query.status;
  const customer = query.customer?.toLowerCase();
  const fingerprint = fingerprintOf({
    status: statuses
      ?.map((s) => s.toLowerCase())
      .sort()
      .join(','),
    pls: query.pls === undefined ? undefined : scope.map((p) => plsKey(p.id)).join(','),
    customer: query.customer?.toLowerCase(),
  });
  const cursor = decodeToken(query.continuationToken, cursorSchema, fingerprint);
  let start = 0;
  if (cursor !== undefined) {
    start = scope.findIndex((p) => plsKey(p.id) === cursor.p);
    if (start < 0)
      throw invalidToken('the Private Link Service it points to is no longer managed; start over');
  }
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const { policy, state } = await currentPolicy(container);

  const page: { reading: PlsReading; capture: CapturedConnection }[] = [];
  let after = cursor?.a;
  let next: string | null = null;
  scan: for (let i = start; i < scope.length; i++) {
    const pls = scope[i];
    if (pls === undefined) break;
    const reading = await readPls(services, pls);
    const candidates = reading.captures.filter(
      (c) =>
        (after === undefined || sortKey(c) > after) &&
        (statuses === undefined || statuses.includes(c.status)) &&
        (customer === undefined || reading.records.get(sortKey(c))?.customer?.toLowerCase() === customer),
    );
    for (const capture of candidates) {
      const last = page.at(-1);
      if (page.length === limit && last !== undefined) {
        next = encodeToken({ f: fingerprint, p: plsKey(last.reading.pls.id), a: sortKey(last.capture) });
        break scan;
      }
      page.push({ reading, capture });
    }
    after = undefined;
  }
  // Items of one page are built at once: the few that need the audit for their request message wait in parallel.
  const items: ConnectionItem[] = await Promise.all(
    page.map(({ reading, capture }) => connectionItem(services, reading, capture, policy)),
  );
  return { items, continuationToken: next, policy: state };
}
