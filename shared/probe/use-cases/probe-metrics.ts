/*
 * What a Prometheus scrape of the probe reads: the probe summary (latest rows and rollups, as
 * GET /api/probes/summary, objectives and error budgets included), today's daily rollup per target (one point read each) and the newest
 * run log row. Never a raw row and never a probe: a scrape costs a few table reads, whatever the
 * scrape interval.
 */
import type { Clock } from '../../clock';
import type { Config } from '../../config/config';
import { startOfUtcDay } from '../../storage/table-keys';
import type { TableSource } from '../../storage/table-source';
import type { MetricFamily } from '../core/exposition';
import { buildProbeMetrics } from '../core/probe-metrics';
import type { Rollup } from '../core/rollup';
import { readRollups } from '../storage/rollups';
import { readLatestRunLog } from '../storage/run-log';
import { summariseProbesWithObjectives } from './probe-summary';

export async function readProbeMetrics(
  container: TableSource & { readonly clock: Clock; readonly config: Config; readonly appRoot: string },
): Promise<MetricFamily[]> {
  const now = container.clock.now();
  const dayStart = startOfUtcDay(now);
  const dayEnd = new Date(dayStart.getTime() + 86_400_000);
  const [summary, lastRun] = await Promise.all([
    summariseProbesWithObjectives(container),
    readLatestRunLog(container, now),
  ]);
  const today = new Map<string, Rollup>();
  await Promise.all(
    summary.targets.map(async (target) => {
      const [day] = await readRollups(container, target.id, 'day', dayStart, dayEnd);
      if (day !== undefined) today.set(target.id, day.rollup);
    }),
  );
  return buildProbeMetrics({ targets: summary.targets, today, lastRun });
}
