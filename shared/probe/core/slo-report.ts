/*
 * The monthly SLO report a consumer hands to the provider (pure): per target the objective, the
 * month's availability and budget spent (./slo.ts rules), the incidents (state changes to DOWN and
 * back), and the time left out of the figures with its reason. JSON is the schema below; CSV is
 * one row per summary, incident or exclusion, every text cell neutralised against formula
 * injection (OWASP "CSV Injection": a cell starting with = + - @ tab or CR is read as a formula
 * by spreadsheet programs, so it gets a leading apostrophe).
 */
import { z } from 'zod';
import type { ProbeEvent } from './probe-event';
import { mergeRollups, metricPercentile, type Rollup } from './rollup';
import { countsOfRollup, errorBudget, type SloObjective } from './slo';

export const reportMonthSchema = z
  .string()
  .regex(/^(\d{4})-(0[1-9]|1[0-2])$/, 'expected a month as yyyy-MM, e.g. 2026-11')
  .meta({ description: 'The UTC calendar month, yyyy-MM.' });

export function monthBounds(month: string): { readonly from: Date; readonly to: Date } {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return { from: new Date(Date.UTC(year, m - 1, 1)), to: new Date(Date.UTC(year, m, 1)) };
}

const nullableNumber = z.number().nullable();

export const EXCLUSION_REASONS = ['maintenance', 'not-approved'] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

const exclusionSchema = z
  .strictObject({
    reason: z.enum(EXCLUSION_REASONS).meta({
      description:
        'maintenance: a configured maintenance window; not-approved: the PLS connection was not Approved (Pending, Rejected, ...), so failures were not the service failing.',
    }),
    from: z.string(),
    to: z.string(),
    runs: z.number().int(),
  })
  .meta({
    id: 'SloExclusion',
    description: 'Hours (UTC, whole hours from the hourly rollups) holding runs left out of the figures.',
  });

const incidentSchema = z
  .strictObject({
    start: z.string(),
    end: z.string().nullable().meta({ description: 'null: still DOWN at the end of the month (or now).' }),
    minutes: z.number(),
    reason: z.string(),
    connectionState: z.string().nullable(),
  })
  .meta({ id: 'SloIncident' });

export const targetReportSchema = z
  .strictObject({
    targetId: z.string(),
    displayName: z.string(),
    objective: z
      .strictObject({
        availabilityPercent: z.number(),
        latencyMs: nullableNumber,
        latencyTargetPercent: z.number(),
        windowDays: z.number().int(),
      })
      .nullable()
      .meta({ description: "The target's `slo`; null when it has none (figures are shown, no budget)." }),
    runs: z.strictObject({
      total: z.number().int(),
      counted: z.number().int(),
      up: z.number().int(),
      degraded: z.number().int(),
      down: z.number().int(),
      maintenance: z.number().int(),
      notApproved: z.number().int(),
    }),
    availabilityPercent: nullableNumber,
    budget: z
      .strictObject({
        allowedDownRuns: z.number(),
        downRuns: z.number().int(),
        usedPercent: nullableNumber,
        remainingPercent: nullableNumber,
        objectiveMet: z.boolean().nullable(),
      })
      .nullable(),
    latency: z.strictObject({
      p95Ms: nullableNumber,
      withinObjectivePercent: nullableNumber,
      objectiveMet: z.boolean().nullable(),
    }),
    incidents: z.array(incidentSchema),
    excluded: z.array(exclusionSchema),
  })
  .meta({ id: 'SloTargetReport' });

export const sloReportSchema = z
  .strictObject({
    month: z.string(),
    from: z.string(),
    to: z.string(),
    generatedAt: z.string(),
    rule: z.string(),
    targets: z.array(targetReportSchema),
  })
  .meta({ id: 'SloReport' });

export type SloReport = z.output<typeof sloReportSchema>;
export type TargetReport = z.output<typeof targetReportSchema>;

export const REPORT_RULE =
  'Runs inside a maintenance window, and DOWN runs while the PLS connection was not Approved, are left out of availability and of the error budget; of the other runs, DOWN is bad and UP or DEGRADED good (docs/probe.md, "Objectives and error budgets").';

export interface HourRollup {
  readonly start: Date;
  readonly rollup: Rollup;
}

export interface TargetReportInput {
  readonly targetId: string;
  readonly displayName: string;
  readonly objective: SloObjective | undefined;
  readonly from: Date;
  /** The end of the month, or now when the month is not over. */
  readonly to: Date;
  readonly days: readonly Rollup[];
  readonly hours: readonly HourRollup[];
  /** The target's state changes in the month, any order. */
  readonly events: readonly ProbeEvent[];
}

export function buildTargetReport(input: TargetReportInput): TargetReport {
  const month = mergeRollups(input.days);
  const counts = countsOfRollup(month, input.objective?.latencyMs);
  const objective = input.objective;
  const budget = objective === undefined ? undefined : errorBudget(objective, counts);
  const availability = counts.counted > 0 ? 1 - counts.bad / counts.counted : null;
  return {
    targetId: input.targetId,
    displayName: input.displayName,
    objective:
      objective === undefined
        ? null
        : {
            availabilityPercent: objective.availability,
            latencyMs: objective.latencyMs ?? null,
            latencyTargetPercent: objective.latencyTarget,
            windowDays: objective.windowDays,
          },
    runs: {
      total: month.count,
      counted: counts.counted,
      up: month.up,
      degraded: month.degraded,
      down: month.down,
      maintenance: month.maintenance,
      notApproved: month.notApproved,
    },
    availabilityPercent: percent(availability),
    budget:
      budget === undefined
        ? null
        : {
            allowedDownRuns: round(budget.allowedBad, 3),
            downRuns: budget.bad,
            usedPercent: percent(budget.budgetUsed),
            remainingPercent: percent(budget.budgetRemaining),
            objectiveMet: budget.objectiveMet,
          },
    latency: {
      p95Ms: nullableRound(metricPercentile(month, 'total', 0.95), 1),
      withinObjectivePercent: percent(budget?.latencyAttainment ?? null),
      objectiveMet: budget?.latencyObjectiveMet ?? null,
    },
    incidents: incidentsOf(input.events, input.from, input.to),
    excluded: exclusionsOf(input.hours),
  };
}

/** DOWN episodes from the state changes: an incident opens on a change to DOWN and closes on the next change away. */
export function incidentsOf(events: readonly ProbeEvent[], from: Date, to: Date): TargetReport['incidents'] {
  const ordered = [...events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const incidents: TargetReport['incidents'] = [];
  let open: { start: string; reason: string; connectionState: string | null } | null = null;
  for (const e of ordered) {
    if (e.to === 'DOWN' && open === null) {
      open = { start: e.at, reason: e.reason, connectionState: e.connectionState };
    } else if (e.from === 'DOWN' && e.to !== 'DOWN') {
      // A recovery without a start in the month: the incident began before it, counted from the month's start.
      const start = open?.start ?? from.toISOString();
      incidents.push({
        start,
        end: e.at,
        minutes: minutesBetween(start, e.at),
        reason: open?.reason ?? e.reason,
        connectionState: open?.connectionState ?? null,
      });
      open = null;
    }
  }
  if (open !== null) {
    incidents.push({ ...open, end: null, minutes: minutesBetween(open.start, to.toISOString()) });
  }
  return incidents;
}

/** Consecutive hours with runs left out for the same reason, merged into one period. */
export function exclusionsOf(hours: readonly HourRollup[]): TargetReport['excluded'] {
  const ordered = [...hours].sort((a, b) => a.start.getTime() - b.start.getTime());
  const out: { reason: ExclusionReason; from: Date; to: Date; runs: number }[] = [];
  for (const reason of EXCLUSION_REASONS) {
    for (const h of ordered) {
      const runs = reason === 'maintenance' ? h.rollup.maintenance : h.rollup.notApproved;
      if (runs === 0) continue;
      const end = new Date(h.start.getTime() + 3_600_000);
      const last = out[out.length - 1];
      if (last !== undefined && last.reason === reason && last.to.getTime() === h.start.getTime()) {
        last.to = end;
        last.runs += runs;
      } else out.push({ reason, from: h.start, to: end, runs });
    }
  }
  return out
    .sort((a, b) => a.from.getTime() - b.from.getTime())
    .map((e) => ({ reason: e.reason, from: e.from.toISOString(), to: e.to.toISOString(), runs: e.runs }));
}

function minutesBetween(from: string, to: string): number {
  return round(Math.max(0, Date.parse(to) - Date.parse(from)) / 60_000, 1);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function nullableRound(value: number | null, digits: number): number | null {
  return value === null ? null : round(value, digits);
}

/** A share (0..1, or above 1 for a budget overspent) as a percentage with 3 decimals; Infinity reads as null. */
function percent(share: number | null): number | null {
  return share === null || !Number.isFinite(share) ? null : round(share * 100, 3);
}

export const CSV_COLUMNS = [
  'month',
  'target',
  'displayName',
  'record',
  'from',
  'to',
  'minutes',
  'runs',
  'countedRuns',
  'downRuns',
  'availabilityPercent',
  'objectivePercent',
  'budgetUsedPercent',
  'budgetRemainingPercent',
  'objectiveMet',
  'latencyWithinPercent',
  'latencyObjectiveMet',
  'reason',
] as const;

type CsvRow = Partial<Record<(typeof CSV_COLUMNS)[number], string | number | boolean | null>>;

/**
 * A cell as RFC 4180 text. Text that a spreadsheet would read as a formula gets a leading `'`:
 * every string cell, since names and reasons come from configuration and the network. Numbers
 * and booleans are written by this code and stay as they are (a negative budget is a number, not a
 * formula).
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const neutral = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(neutral) ? `"${neutral.replaceAll('"', '""')}"` : neutral;
}

export function reportCsv(report: SloReport): string {
  const rows: CsvRow[] = [];
  for (const t of report.targets) {
    const base = { month: report.month, target: t.targetId, displayName: t.displayName };
    rows.push({
      ...base,
      record: 'summary',
      from: report.from,
      to: report.to,
      runs: t.runs.total,
      countedRuns: t.runs.counted,
      downRuns: t.runs.down,
      availabilityPercent: t.availabilityPercent,
      objectivePercent: t.objective?.availabilityPercent ?? null,
      budgetUsedPercent: t.budget?.usedPercent ?? null,
      budgetRemainingPercent: t.budget?.remainingPercent ?? null,
      objectiveMet: t.budget?.objectiveMet ?? null,
      latencyWithinPercent: t.latency.withinObjectivePercent,
      latencyObjectiveMet: t.latency.objectiveMet,
    });
    for (const i of t.incidents) {
      rows.push({
        ...base,
        record: 'incident',
        from: i.start,
        to: i.end,
        minutes: i.minutes,
        reason: i.reason,
      });
    }
    for (const e of t.excluded) {
      rows.push({
        ...base,
        record: 'excluded',
        from: e.from,
        to: e.to,
        minutes: (Date.parse(e.to) - Date.parse(e.from)) / 60_000,
        runs: e.runs,
        reason: e.reason,
      });
    }
  }
  const lines = [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => csvCell(r[c])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
