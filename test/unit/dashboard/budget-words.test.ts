import { describe, expect, it } from 'vitest';
import {
  alerting,
  alertLine,
  type Budget,
  budgetLabel,
  budgetPercent,
  burnLine,
  burnRate,
  excludedLine,
  latencyLine,
  objectiveLine,
  remainingLine,
  reportLinks,
  reportMonth,
  spentLine,
  windowText,
} from '../../../dashboard/src/budget-words';

const quietRule = (rule: 'page-fast' | 'page-slow' | 'ticket', long: number, short: number) => ({
  rule,
  severity: rule === 'ticket' ? ('ticket' as const) : ('page' as const),
  threshold: rule === 'page-fast' ? 14.4 : rule === 'page-slow' ? 6 : 1,
  longMinutes: long,
  shortMinutes: short,
  longBurn: 0,
  shortBurn: 0,
  firing: false,
  alertSince: null,
});

/** A 99.9 % objective with a latency objective, 1,080 counted runs of which 3 DOWN. */
const BUDGET: Budget = {
  windowDays: 30,
  usedPercent: 277.778,
  remainingPercent: -177.778,
  objective: { availabilityPercent: 99.9, latencyMs: 500, latencyTargetPercent: 95 },
  availabilityPercent: 99.722,
  objectiveMet: false,
  runs: {
    counted: 1080,
    down: 3,
    allowedDown: 1.08,
    maintenance: 60,
    notApproved: 0,
    excludedPercent: 5.263,
  },
  latency: { withinObjectivePercent: 96.25, objectiveMet: true },
  burn: [quietRule('page-fast', 60, 5), quietRule('page-slow', 360, 30), quietRule('ticket', 4320, 360)],
};

describe('the error budget in words', () => {
  it('words percentages with one decimal and a real minus sign, and burn rates with ×', () => {
    expect(budgetPercent(72.41)).toBe('72.4 %');
    expect(budgetPercent(100)).toBe('100.0 %');
    expect(budgetPercent(-1566.667)).toBe('−1566.7 %');
    // Rounds to zero: no "−0.0".
    expect(budgetPercent(-0.04)).toBe('0.0 %');
    expect(budgetPercent(null)).toBe('—');
    expect(burnRate(0)).toBe('0×');
    expect(burnRate(0.233)).toBe('0.23×');
    expect(burnRate(14.4)).toBe('14.4×');
    expect(burnRate(16.667)).toBe('16.67×');
    expect(burnRate(333.333)).toBe('333×');
    expect(burnRate(null)).toBe('∞×');
    expect([5, 30, 60, 360, 4320].map(windowText)).toEqual(['5 min', '30 min', '1 h', '6 h', '3 d']);
  });

  it('says the objective, how much is spent and by how many DOWN runs, latency, burn and what was left out', () => {
    expect(objectiveLine(BUDGET)).toBe(
      'Objective: 99.9 % available, 95 % of runs within 500 ms, over 30 days',
    );
    expect(remainingLine(BUDGET)).toBe('Overspent: 277.8 % of the budget used');
    expect(remainingLine({ ...BUDGET, usedPercent: 27.6, remainingPercent: 72.4 })).toBe('27.6 % used');
    expect(remainingLine({ ...BUDGET, usedPercent: null, remainingPercent: null })).toBe(
      'No counted runs in the window yet: nothing spent.',
    );
    expect(spentLine(BUDGET)).toBe('3 DOWN of 1.08 allowed, over 1,080 counted runs');
    expect(latencyLine(BUDGET)).toBe('Latency: 96.3 % within 500 ms (objective 95 %, met)');
    expect(latencyLine({ ...BUDGET, objective: { ...BUDGET.objective, latencyMs: null } })).toBeNull();
    expect(burnLine(BUDGET)).toBe('Burn 1 h 0× · 6 h 0× · 3 d 0×');
    expect(excludedLine(BUDGET)).toBe('Left out (5.3 % of runs): 60 in maintenance');
    expect(excludedLine({ ...BUDGET, runs: { ...BUDGET.runs, notApproved: 12, excludedPercent: 6.3 } })).toBe(
      'Left out (6.3 % of runs): 60 in maintenance, 12 while the connection was not Approved',
    );
    expect(excludedLine({ ...BUDGET, runs: { ...BUDGET.runs, maintenance: 0, excludedPercent: 0 } })).toBe(
      'Nothing left out: every run counted.',
    );
    expect(budgetLabel(BUDGET, 'Shop')).toBe(
      'Error budget of Shop: −177.8 % remaining, 277.8 % used, over 30 days',
    );
  });

  it('shows a rule as an alert while it fires, and while its fired notice is not resolved yet', () => {
    expect(alerting(BUDGET)).toEqual([]);
    const fast = { ...quietRule('page-fast', 60, 5), longBurn: 333.333, shortBurn: 1000, firing: true };
    const told = { ...quietRule('ticket', 4320, 360), alertSince: '2026-12-07T01:00:00.000Z' };
    const burning = { ...BUDGET, burn: [fast, quietRule('page-slow', 360, 30), told] };
    expect(alerting(burning).map((b) => b.rule)).toEqual(['page-fast', 'ticket']);
    expect(alertLine(fast)).toBe(
      'page-fast alert (page) firing: 1 h at 333×, 5 min at 1000× (threshold 14.4×)',
    );
    expect(alertLine(told)).toBe(
      'ticket alert (ticket) notified, now below its threshold (resolves on the next run): 3 d at 0×, 6 h at 0× (threshold 1×)',
    );
  });

  it("asks the report for the UTC month, with the page's function key when it has one", () => {
    expect(reportMonth(new Date('2026-11-30T23:59:59Z'))).toBe('2026-11');
    expect(reportMonth(new Date('2026-12-01T00:00:00Z'))).toBe('2026-12');
    expect(reportLinks('2026-11', null)).toEqual({
      json: 'probes/report?month=2026-11',
      csv: 'probes/report?month=2026-11&format=csv',
    });
    // A page opened with ?code= (Azure, function key): the followed link carries it, encoded.
    expect(reportLinks('2026-11', 'k+y/=')).toEqual({
      json: 'probes/report?month=2026-11&code=k%2By%2F%3D',
      csv: 'probes/report?month=2026-11&format=csv&code=k%2By%2F%3D',
    });
  });
});
