import { plsNameOf, sameResourceId } from '../../arm/resource-id';
import { AppError } from '../../errors';
import type { Log } from '../../log';
import type { LinkView } from '../core/link-schemas';
import type { ApprovalApiDeps } from './api-deps';
import { managedPrivateLinkServices } from './managed-pls';

/**
 * GET /links/{linkId}: the consumer behind a link id, from the connection records of the managed
 * PLS (each reconciliation list writes the id ARM shows on every connection). Answers from the
 * records alone, no ARM read, so a backend may ask per TCP connection; the status is the one the
 * product last saw or set. Two records with one id cannot be told apart: refused, not guessed.
 */
export async function findLink(container: ApprovalApiDeps, linkId: string, log: Log): Promise<LinkView> {
  const services = await container.approvalServices();
  const managed = await managedPrivateLinkServices(services, log);
  const records = await services.records.findByLinkId(
    managed.map((p) => p.id),
    linkId,
  );
  const [record] = records;
  if (record === undefined)
    throw new AppError(
      'not_found',
      `No connection of a managed Private Link Service has link id ${linkId}.`,
      {
        issues: [
          {
            path: 'linkId',
            message:
              'no connection record carries this link id (yet: records learn it on the next reconciliation run)',
          },
        ],
      },
    );
  if (records.length > 1)
    throw new AppError(
      'conflict',
      `${records.length} connection records carry link id ${linkId}; refusing to pick one.`,
      {
        issues: records.map((r) => ({
          path: 'linkId',
          message: `${plsNameOf(r.plsId)}/${r.connectionName}`,
        })),
      },
    );
  const pls = managed.find((p) => sameResourceId(p.id, record.plsId)) ?? {
    id: record.plsId,
    name: plsNameOf(record.plsId),
  };
  return {
    linkId,
    customer: record.customer ?? null,
    consumerTenantId: record.consumerTenantId ?? null,
    consumerSubscriptionId: record.consumerSubscriptionId ?? null,
    privateEndpointId: record.privateEndpointId ?? null,
    privateEndpointLocation: record.privateEndpointLocation ?? null,
    pls,
    connection: record.connectionName,
    status: record.status,
    statusSince: record.changedAt,
    rule: record.decision?.rule ?? record.verdict?.rule ?? null,
    decidedBy: record.decision?.actorKind ?? null,
    decidedAt: record.decision?.at ?? null,
  };
}
