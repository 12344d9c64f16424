/*
 * The error budget of a target in words (pure, no DOM): what the tile's budget block says. Every
 * figure comes from the summary's `budget` (GET /api/probes/summary); the page only words it.
 */
import type { TargetSummary } from './types';

export type Budget = NonNullable<TargetSummary['budget']>;
export type BurnRule = Budget['burn'][number];

/** A budget share as people read it: one decimal, a real minus sign; "—" without counted runs. */
export function budgetPercent(value: number | null): string {
  if (value === null) return '—';
  const rounded = Math.round(value * 10) / 10;
  const text = Math.abs(rounded).toFixed(1);
  return `${rounded < 0 ? '−' : ''}${text} %`;
}

/** A burn rate: "0×", "0.23×", "16.67×", "333×", "∞×" (null: the rate is infinite). */
export function burnRate(value: number | null): string {
  if (value === null) return '∞×';
  return `${value >= 100 ? Math.round(value) : Math.round(value * 100) / 100}×`;
}

/** A window length from minutes: "5 min", "6 h", "3 d". */
export function windowText(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) return `${minutes / 60} h`;
  return `${minutes / (24 * 60)} d`;
}

/** "99.9 % available, 95 % of runs within 500 ms, over 30 days". */
export function objectiveLine(budget: Budget): string {
  const o = budget.objective;
  const latency =
    o.latencyMs === null ? '' : `, ${trim(o.latencyTargetPercent)} % of runs within ${trim(o.latencyMs)} ms`;
  return `Objective: ${trim(o.availabilityPercent)} % available${latency}, over ${budget.windowDays} days`;
}

/** How the budget stands: remaining, or spent and by how much. */
export function remainingLine(budget: Budget): string {
  const remaining = budget.remainingPercent;
  if (remaining === null) return 'No counted runs in the window yet: nothing spent.';
  if (remaining < 0) return `Overspent: ${budgetPercent(budget.usedPercent)} of the budget used`;
  return `${budgetPercent(budget.usedPercent)} used`;
}

/** "3 DOWN of 10.8 allowed, over 1,080 counted runs". */
export function spentLine(budget: Budget): string {
  const r = budget.runs;
  return `${r.down} DOWN of ${trim(r.allowedDown)} allowed, over ${r.counted.toLocaleString('en-GB')} counted runs`;
}

/** What was left out of the figures and why (docs/probe.md#objectives-and-error-budgets). */
export function excludedLine(budget: Budget): string {
  const r = budget.runs;
  if (r.maintenance + r.notApproved === 0) return 'Nothing left out: every run counted.';
  const parts = [
    r.maintenance > 0 ? `${r.maintenance} in maintenance` : null,
    r.notApproved > 0 ? `${r.notApproved} while the connection was not Approved` : null,
  ].filter((p) => p !== null);
  const share = r.excludedPercent === null ? '' : ` (${budgetPercent(r.excludedPercent)} of runs)`;
  return `Left out${share}: ${parts.join(', ')}`;
}

/** The latency objective's attainment; null without a latency objective. */
export function latencyLine(budget: Budget): string | null {
  const o = budget.objective;
  if (o.latencyMs === null) return null;
  const within = budget.latency.withinObjectivePercent;
  if (within === null)
    return `Latency: no good runs to measure yet (objective ${trim(o.latencyTargetPercent)} %)`;
  const verdict = budget.latency.objectiveMet === false ? 'missed' : 'met';
  return `Latency: ${budgetPercent(within)} within ${trim(o.latencyMs)} ms (objective ${trim(o.latencyTargetPercent)} %, ${verdict})`;
}

/** "Burn 1 h 0.0× · 6 h 0.0× · 3 d 16.7×": each rule's long window. */
export function burnLine(budget: Budget): string {
  return `Burn ${budget.burn.map((b) => `${windowText(b.longMinutes)} ${burnRate(b.longBurn)}`).join(' · ')}`;
}

/** A rule is shown as an alert when it fires now or its fired notice has not been resolved yet. */
export function alerting(budget: Budget): BurnRule[] {
  return budget.burn.filter((b) => b.firing || b.alertSince !== null);
}

/**
 * One alert in words: "page-fast alert firing: 1 h at 16.7×, 5 min at 20.0× (threshold 14.4×)".
 * `since` is given by the caller (it words times its own way).
 */
export function alertLine(rule: BurnRule): string {
  const state = rule.firing ? 'firing' : 'notified, now below its threshold (resolves on the next run)';
  return `${rule.rule} alert (${rule.severity}) ${state}: ${windowText(rule.longMinutes)} at ${burnRate(rule.longBurn)}, ${windowText(rule.shortMinutes)} at ${burnRate(rule.shortBurn)} (threshold ${burnRate(rule.threshold)})`;
}

/** The error budget for a screen reader, in one sentence naming the target (the bar has no other words). */
export function budgetLabel(budget: Budget, name: string): string {
  if (budget.remainingPercent === null) return `Error budget of ${name}: no counted runs yet`;
  return `Error budget of ${name}: ${budgetPercent(budget.remainingPercent)} remaining, ${budgetPercent(budget.usedPercent)} used, over ${budget.windowDays} days`;
}

/** The yyyy-MM of a date, in UTC: the month the report link asks for. */
export function reportMonth(now: Date): string {
  return now.toISOString().slice(0, 7);
}

/**
 * The monthly report's links (relative to /api/dashboard). A followed link cannot send the
 * `x-functions-key` header the page's own calls send, so a page opened with `?code=` passes the
 * key as `code`, the query parameter Azure Functions also accepts for function-level keys
 * (functions/adapters/slo-report-route.ts allows it).
 */
export function reportLinks(month: string, functionKey: string | null): { json: string; csv: string } {
  const query = (format?: string) =>
    new URLSearchParams({
      month,
      ...(format === undefined ? {} : { format }),
      ...(functionKey === null ? {} : { code: functionKey }),
    }).toString();
  return { json: `probes/report?${query()}`, csv: `probes/report?${query('csv')}` };
}

/** Numbers from the API without trailing zeros: 99.9, 0.3, 500. */
function trim(value: number): string {
  return String(Math.round(value * 1_000) / 1_000);
}
