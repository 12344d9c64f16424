/*
 * GET /api/probes/{target}/badge: one point read of the target's latest row (the state the tiles
 * show), drawn as an SVG badge. An unknown target is a 404, like the series route.
 */
import { AppError } from '../../errors';
import { LATEST_PARTITION, latestViewFromEntity } from '../../probe/storage/latest';
import { PROBE_TABLES } from '../../probe/storage/probe-tables';
import { conditionOf } from '../../probe/use-cases/probe-summary';
import { getOrUndefined } from '../../storage/table-errors';
import { keySafe } from '../../storage/table-keys';
import type { TableSource } from '../../storage/table-source';
import { statusBadgeSvg } from '../core/status-badge';

export async function readStatusBadge(container: TableSource, targetId: string): Promise<string> {
  const table = await container.table(PROBE_TABLES.latest);
  const entity = await getOrUndefined(
    () => table.getEntity(LATEST_PARTITION, keySafe(targetId)),
    'reading the latest probe state',
  );
  if (entity === undefined)
    throw new AppError('not_found', `No probe target "${targetId}" has results.`, {
      issues: [{ path: 'target', message: 'expected the id of a probed target (see /api/probes/summary)' }],
    });
  const view = latestViewFromEntity(entity);
  return statusBadgeSvg({ name: view.displayName ?? targetId, condition: conditionOf(view) });
}
