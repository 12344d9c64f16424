import type { Log } from '../../log';
import { connectionKey } from '../../storage/table-keys';
import type { ConnectionDetail } from '../core/api-schemas';
import type { ApprovalApiDeps } from './api-deps';
import { connectionItem, connectionNotFound, currentPolicy, readPls } from './connection-reader';
import { resolveManagedPls } from './managed-pls';
import { decisionRecordOf, lastDryRunFromHistory } from './views';

/** A connection's whole audit history is small (a few rows per decision); this bounds a pathological one. */
export const MAX_HISTORY_ROWS = 1000;

/**
 * GET /connections/{pls}/{connection}: the connection as listed, with its full decision history.
 * The PLS is listed rather than the connection read alone, because quota conditions in the
 * verdict depend on the other connections of the same PLS.
 */
export async function getConnectionDetail(
  container: ApprovalApiDeps,
  params: { readonly pls: string; readonly connection: string },
  log: Log,
): Promise<ConnectionDetail> {
  const services = await container.approvalServices();
  const pls = await resolveManagedPls(services, params.pls, log);
  const [reading, { policy, state }, history] = await Promise.all([
    readPls(services, pls),
    currentPolicy(container),
    services.audit.listByConnection(pls.id, params.connection, MAX_HISTORY_ROWS),
  ]);
  const wanted = connectionKey(params.connection);
  const capture = reading.captures.find((c) => connectionKey(c.connection.name) === wanted);
  if (capture === undefined) throw connectionNotFound(pls, params.connection);
  const item = await connectionItem(services, reading, capture, policy, history);
  const dryRun = item.lastDecision === null ? lastDryRunFromHistory(history) : null;
  return {
    connection: dryRun === null ? item : { ...item, lastDecision: dryRun },
    history: history.map(decisionRecordOf),
    policy: state,
  };
}
