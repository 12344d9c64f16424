import { describe, expect, it } from 'vitest';
import { rollupOf } from '../../../../../shared/probe/core/rollup';
import {
  BURN_RULES,
  burnThreshold,
  countsInWindow,
  countsOfRollup,
  errorBudget,
  evaluateBurn,
  nextBurnState,
  type SloObjective,
  type SloSample,
} from '../../../../../shared/probe/core/slo';
import type { ProbeResult } from '../../../../../shared/probe/core/types';
import { probeResult } from '../../../../helpers/probe-results';

const OBJECTIVE: SloObjective = { availability: 99, latencyMs: 100, latencyTarget: 95, windowDays: 30 };
const T0 = Date.parse('2026-11-03T10:00:00Z');
const at = (minute: number) => new Date(T0 + minute * 60_000);

function runs(n: number, spec: Partial<Parameters<typeof probeResult>[0]>, startMinute = 0): ProbeResult[] {
  return Array.from({ length: n }, (_, i) => probeResult({ scheduledAt: at(startMinute + i), ...spec }));
}

/** One sample per run, as the burn evaluator reads recent runs. */
function runSamples(results: readonly ProbeResult[]): SloSample[] {
  return results.map((r) => ({
    start: new Date(r.scheduledAt),
    end: new Date(r.scheduledAt),
    counts: countsOfRollup(rollupOf([r]), OBJECTIVE.latencyMs),
  }));
}

describe('error budget', () => {
  it('leaves maintenance and runs while the connection was not Approved out of the budget', () => {
    const rollup = rollupOf([
      ...runs(990, { status: 'UP' }),
      ...runs(5, { status: 'DOWN' }, 990),
      ...runs(60, { status: 'DOWN', connectionState: 'Pending' }, 1000),
      ...runs(30, { status: 'DOWN', inMaintenance: true }, 1100),
    ]);
    const counts = countsOfRollup(rollup, OBJECTIVE.latencyMs);
    expect(counts).toMatchObject({ counted: 995, bad: 5, notApproved: 60, maintenance: 30 });
    const budget = errorBudget(OBJECTIVE, counts);
    // 1 % of 995 counted runs may be DOWN (9.95); 5 were: about half the budget is spent.
    expect(budget.allowedBad).toBeCloseTo(9.95, 6);
    expect(budget.budgetUsed).toBeCloseTo(5 / 9.95, 6);
    expect(budget.budgetRemaining).toBeCloseTo(1 - 5 / 9.95, 6);
    expect(budget.objectiveMet).toBe(true);
    expect(budget.availability).toBeCloseTo(990 / 995, 9);
  });

  it('misses the objective when DOWN runs exceed the budget, and reports none without counted runs', () => {
    const over = errorBudget(
      OBJECTIVE,
      countsOfRollup(rollupOf([...runs(97, {}), ...runs(3, { status: 'DOWN' }, 97)]), 100),
    );
    expect(over.budgetUsed).toBeCloseTo(3, 6);
    expect(over.objectiveMet).toBe(false);
    const none = errorBudget(
      OBJECTIVE,
      countsOfRollup(rollupOf(runs(10, { status: 'DOWN', inMaintenance: true })), 100),
    );
    expect(none).toMatchObject({ counted: 0, budgetUsed: null, objectiveMet: null, availability: null });
  });

  it('judges latency from the histogram, strictly: runs over latencyMs miss it', () => {
    const rollup = rollupOf([...runs(90, { totalMs: 20 }), ...runs(10, { totalMs: 400 }, 90)]);
    const budget = errorBudget(OBJECTIVE, countsOfRollup(rollup, 100));
    expect(budget.latencyAttainment).toBeCloseTo(0.9, 9);
    expect(budget.latencyObjectiveMet).toBe(false);
  });
});

describe('burn-rate alerts (SRE workbook thresholds)', () => {
  it('derives 14.4, 6 and 1 for a 30-day window', () => {
    expect(BURN_RULES.map((r) => burnThreshold(r, { windowDays: 30 }))).toEqual([14.4, 6, 1]);
  });

  it('prorates an hourly rollup that is partly inside a window', () => {
    const rollup = rollupOf([...runs(30, { status: 'DOWN' }), ...runs(30, {}, 30)]);
    const sample = { start: at(0), end: at(60), counts: countsOfRollup(rollup, undefined) };
    expect(countsInWindow([sample], at(30), at(90))).toMatchObject({ counted: 30, bad: 15 });
  });

  it('fires once when both windows burn fast, and resolves when the short window recovers', () => {
    // An hour of good runs, then 20 minutes DOWN: the 1 h window burns at 33x, the 5 min one at 100x.
    const history = [...runs(60, {}), ...runs(20, { status: 'DOWN' }, 60)];
    const fast = evaluateBurn(OBJECTIVE, runSamples(history), at(79)).find(
      (e) => e.rule.name === 'page-fast',
    );
    expect(fast?.firing).toBe(true);
    let state = { firingSince: null as string | null };
    const notices: string[] = [];
    for (let minute = 70; minute < 100; minute++) {
      const samples = runSamples([...history, ...runs(Math.max(0, minute - 79), {}, 80)]);
      const firing = evaluateBurn(OBJECTIVE, samples, at(minute)).some(
        (e) => e.rule.name === 'page-fast' && e.firing,
      );
      const next = nextBurnState(state, firing, at(minute));
      state = next.state;
      if (next.notice) notices.push(`${next.notice.kind}@${minute}`);
    }
    // Fired once while burning; resolved once the 5-minute window holds no failure (the last DOWN run was minute 79).
    expect(notices).toEqual(['fired@70', 'resolved@84']);
  });

  it('does not fire on runs that are excluded (not Approved, maintenance)', () => {
    const history = [
      ...runs(60, {}),
      ...runs(20, { status: 'DOWN', connectionState: 'Rejected' }, 60),
      ...runs(20, { status: 'DOWN', inMaintenance: true }, 80),
    ];
    expect(evaluateBurn(OBJECTIVE, runSamples(history), at(99)).some((e) => e.firing)).toBe(false);
  });
});
