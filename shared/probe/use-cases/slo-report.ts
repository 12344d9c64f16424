/*
 * The monthly SLO report (GET /api/probes/report, /api/probes/{target}/report): per configured
 * target, the month's daily rollups (the figures), hourly rollups (when runs were left out, and
 * why) and state-change events (incidents). Three partition-scoped range queries per target.
 */
import type { Clock } from '../../clock';
import type { Config } from '../../config/config';
import { AppError } from '../../errors';
import type { TableSource } from '../../storage/table-source';
import { loadProbeTargets } from '../adapters/targets';
import {
  buildTargetReport,
  monthBounds,
  REPORT_RULE,
  type SloReport,
  type TargetReport,
} from '../core/slo-report';
import type { ProbeTarget } from '../core/types';
import { readEvents } from '../storage/events';
import { readRollups } from '../storage/rollups';

export interface ReportSource extends TableSource {
  readonly clock: Clock;
  readonly config: Config;
  readonly appRoot: string;
}

/** Events read per target and month: a target flapping every minute is damped long before this. */
const MAX_EVENTS = 2_000;

export async function buildSloReport(
  container: ReportSource,
  month: string,
  targetId?: string,
): Promise<SloReport> {
  const now = container.clock.now();
  const { from, to: monthEnd } = monthBounds(month);
  if (from.getTime() > now.getTime()) {
    throw new AppError('validation_failed', 'The month has not begun yet.', {
      issues: [{ path: 'month', message: `expected ${month} or an earlier month` }],
    });
  }
  const to = monthEnd.getTime() > now.getTime() ? now : monthEnd;
  const configured = (await loadProbeTargets(container.config.probe.targetsSource, container.appRoot)).value;
  const targets = targetId === undefined ? configured : configured.filter((t) => t.id === targetId);
  if (targetId !== undefined && targets.length === 0) {
    throw new AppError('not_found', `No probe target "${targetId}" is configured.`, {
      issues: [{ path: 'target', message: 'not among the configured probe targets' }],
    });
  }
  const reports = await Promise.all(targets.map((t) => reportOne(container, t, from, to, monthEnd)));
  reports.sort((a, b) => a.targetId.localeCompare(b.targetId));
  return {
    month,
    from: from.toISOString(),
    to: to.toISOString(),
    generatedAt: now.toISOString(),
    rule: REPORT_RULE,
    targets: reports,
  };
}

async function reportOne(
  container: ReportSource,
  target: ProbeTarget,
  from: Date,
  to: Date,
  monthEnd: Date,
): Promise<TargetReport> {
  const [days, hours, events] = await Promise.all([
    readRollups(container, target.id, 'day', from, monthEnd),
    readRollups(container, target.id, 'hour', from, monthEnd),
    readEvents(container, target.id, { from, to: monthEnd, limit: MAX_EVENTS }),
  ]);
  return buildTargetReport({
    targetId: target.id,
    displayName: target.displayName,
    objective: target.slo,
    from,
    to,
    days: days.map((d) => d.rollup),
    hours: hours.map((h) => ({ start: h.periodStart, rollup: h.rollup })),
    events,
  });
}
