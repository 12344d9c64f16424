import { type CapturedConnection, captureConnection, factsOf } from '../../approval/core/captured-connection';
import { approvedByPerson, type ConnectionRecord } from '../../approval/core/connection-record';
import { type ApprovedCounts, approvalTermsOf } from '../../approval/core/policy/evaluate-policy';
import type { Policy } from '../../approval/core/policy/policy';
import type { AuditEntry } from '../../approval/storage/audit-store';
import type { ApprovalServices } from '../../approval/use-cases/approval-services';
import type { PrivateEndpointConnection } from '../../arm/arm-gateway';
import { AppError, isAppError } from '../../errors';
import { connectionKey } from '../../storage/table-keys';
import type { ConnectionItem, PlsRef, PolicyState } from '../core/api-schemas';
import { approvedCounts, policyVerdictFor } from '../core/policy-verdict';
import type { ApprovalApiDeps } from './api-deps';
import { connectionItemOf, lastDecisionFromRecord, termsView } from './views';

/**
 * One Private Link Service as the API shows it: every connection read from ARM once, captured the
 * way the decision path captures it (tenant from the tenant cache, request message kept by the
 * connection record once ARM overwrote it), sorted by name so pages are stable.
 */
export interface PlsReading {
  readonly pls: PlsRef;
  readonly captures: readonly CapturedConnection[];
  readonly records: ReadonlyMap<string, ConnectionRecord>;
  readonly counts: ApprovedCounts;
}

export async function readPls(services: ApprovalServices, pls: PlsRef): Promise<PlsReading> {
  const [connections, records] = await Promise.all([
    services.arm.listPlsConnections(pls.id),
    services.records.listForPls(pls.id),
  ]);
  const captures = await captureWithTenants(services, connections, records);
  captures.sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
  return { pls, captures, records, counts: approvedCounts(captures.map(factsOf)) };
}

export function sortKey(capture: CapturedConnection): string {
  return connectionKey(capture.connection.name);
}

export async function captureWithTenants(
  services: ApprovalServices,
  connections: readonly PrivateEndpointConnection[],
  records: ReadonlyMap<string, ConnectionRecord>,
): Promise<CapturedConnection[]> {
  const bare = connections.map((c) => captureConnection(c, { consumerTenantId: undefined }));
  const subscriptions = [...new Set(bare.map((c) => c.consumerSubscriptionId))];
  const tenants = new Map<string | undefined, string | undefined>();
  await Promise.all(subscriptions.map(async (s) => tenants.set(s, await services.tenants.tenantOf(s))));
  return connections.map((connection, i) =>
    captureConnection(connection, {
      consumerTenantId: tenants.get(bare[i]?.consumerSubscriptionId),
      earlierRequestMessage: records.get(connectionKey(connection.name))?.requestMessage,
    }),
  );
}

/** The item for one connection; the audit is asked for the request message only when nothing else kept it. */
export async function connectionItem(
  services: ApprovalServices,
  reading: PlsReading,
  capture: CapturedConnection,
  policy: Policy | undefined,
  history?: readonly AuditEntry[],
): Promise<ConnectionItem> {
  const record = reading.records.get(sortKey(capture));
  const requestMessage =
    capture.requestMessage ?? (await requestMessageFromAudit(services, capture, history));
  return connectionItemOf(reading.pls, capture, {
    requestMessage,
    lastDecision: lastDecisionFromRecord(record),
    policyVerdict:
      policy === undefined
        ? null
        : policyVerdictFor(policy, factsOf({ ...capture, requestMessage }), reading.counts, {
            now: services.clock.now(),
            approvedByPerson: approvedByPerson(record, capture.status),
          }),
    terms: termsView(
      record,
      capture.status,
      policy === undefined
        ? 1
        : approvalTermsOf(policy, factsOf({ ...capture, requestMessage })).approvalsRequired,
      services.clock.now(),
      services.expiry.twoPersonMs,
    ),
  });
}

async function requestMessageFromAudit(
  services: ApprovalServices,
  capture: CapturedConnection,
  history: readonly AuditEntry[] | undefined,
): Promise<string | undefined> {
  if (capture.status === 'Pending') return undefined;
  const rows =
    history ?? (await services.audit.listByConnection(capture.connection.plsId, capture.connection.name, 50));
  return rows.find((row) => row.requestMessage !== undefined && row.requestMessage !== '')?.requestMessage;
}

/**
 * The current policy, or why there is none: a bad policy stops deciding, but people can still list
 * and decide by hand, so reads answer with the problem instead of failing.
 */
export async function currentPolicy(
  container: ApprovalApiDeps,
): Promise<{ readonly policy: Policy | undefined; readonly state: PolicyState }> {
  try {
    const policy = await container.approvalPolicy();
    return { policy, state: { version: policy.version, problem: null } };
  } catch (error) {
    if (isAppError(error) && error.code === 'policy_invalid') {
      return { policy: undefined, state: { version: null, problem: error.message } };
    }
    throw error;
  }
}

export function connectionNotFound(pls: PlsRef, name: string): AppError {
  return new AppError('not_found', `Private Link Service ${pls.name} has no connection named ${name}.`, {
    issues: [{ path: 'connection', message: 'expected a connection of this Private Link Service' }],
  });
}
