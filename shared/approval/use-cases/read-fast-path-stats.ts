/**
 * The event fast path statistics of the last 30 days, read from the arrivals table: the use case
 * behind the reconcile runs' `approval.fast_path` log line, for health (reader detail) and the
 * dashboard to show as well.
 */
import type { Clock } from '../../clock';
import { FAST_PATH_WINDOW_DAYS, type FastPathStats, fastPathStats } from '../core/fast-path-stats';
import type { ArrivalStore } from '../storage/arrival-store';

export interface FastPathDeps {
  readonly arrivals: Pick<ArrivalStore, 'listSince'>;
  readonly clock: Clock;
}

export async function readFastPathStats(deps: FastPathDeps): Promise<FastPathStats> {
  const since = new Date(deps.clock.now().getTime() - FAST_PATH_WINDOW_DAYS * 86_400_000);
  return fastPathStats(await deps.arrivals.listSince(since));
}
