import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { budgetPercent } from '../../dashboard/src/budget-words';
import { probesSummarySchema } from '../../shared/api/core/api-schemas';
import { setContainer } from '../../shared/composition-root';
import { sloReportSchema } from '../../shared/probe/core/slo-report';
import type { SloObjective } from '../../shared/probe/core/types';
import { recordResult } from '../../shared/probe/storage/probe-store';
import { evaluateSloBurn } from '../../shared/probe/use-cases/slo-burn';
import { armTestContainer, plsIdOf, useArmEmulator } from '../helpers/arm-emulator';
import { contextAs, type PageProblems, watchProblems } from '../helpers/browser';
import { useDashboardPage } from '../helpers/dashboard-page';
import { parseBody } from '../helpers/parse-body';
import { probeResult, storeTarget } from '../helpers/probe-results';

/**
 * The error budget on the dashboard (issue 26), in real headless Chromium against the local host,
 * with runs written by the probe's own store to Azurite and objectives from PROBE_TARGETS:
 * - `steady` (95 % over 28 days): 36 UP, 1 DOWN, 2 in maintenance, 1 DOWN while Pending: its tile
 *   shows the API's remaining budget and what was left out;
 * - `burning` (99.9 %): DOWN for the last 10 minutes, the burn evaluator run as after a real run:
 *   the page-fast alert is shown firing, with the episode the notification told;
 * - `plain`: no objective, said so;
 * - `evil`: an objective and a name that is markup: it stays text.
 */

const MANUAL_POLICY = 'version: 1\nrules: []\ndefault:\n  action: manual\n';
const HOSTILE = '<img src=x onerror="window.__pwned=1">Contoso';
/** For a person to look at (docs/img comes from the lab: npm run screenshots). */
const SHOTS = join(__dirname, '..', '..', 'test-results', 'dashboard');
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const OBJECTIVES: Record<string, { availability: number; window?: string; latencyMs?: number }> = {
  steady: { availability: 95, window: '28d', latencyMs: 500 },
  burning: { availability: 99.9 },
  evil: { availability: 99 },
};
const PROBE_TARGETS = JSON.stringify([
  ...Object.entries(OBJECTIVES).map(([id, slo]) => ({ id, url: 'http://127.0.0.1/', slo })),
  { id: 'plain', url: 'http://127.0.0.1/' },
]);

const arm = useArmEmulator();

const dashboard = useDashboardPage(async () => {
  const plsId = plsIdOf('pls-budget');
  arm.emulator.world.addPrivateLinkService({ id: plsId });
  const container = armTestContainer(arm.emulator, [plsId], {
    AUTH_MODE: 'dev',
    APPROVAL_POLICY: MANUAL_POLICY,
    PROBE_TARGETS,
  });
  setContainer(container);
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
  const record = async (id: string, name: string, runs: Partial<Parameters<typeof probeResult>[0]>[]) => {
    // Oldest first, one a minute up to a minute ago, as the timer writes them.
    for (const [i, spec] of runs.entries())
      await recordResult(
        container,
        { ...storeTarget(id, { failureThreshold: 1, successThreshold: 1 }), displayName: name },
        probeResult({ targetId: id, scheduledAt: minutesAgo(runs.length - i), ...spec }),
      );
  };
  const up = (n: number) => Array.from({ length: n }, () => ({ status: 'UP' as const }));
  await record('steady', 'Steady shop', [
    ...up(18),
    { status: 'DOWN' },
    { status: 'DOWN', inMaintenance: true },
    { status: 'UP', inMaintenance: true },
    { status: 'DOWN', connectionState: 'Pending' },
    ...up(18),
  ]);
  await record('burning', 'Burning shop', [
    ...up(20),
    ...Array.from({ length: 10 }, () => ({ status: 'DOWN' as const })),
  ]);
  await record('plain', 'Plain shop', up(3));
  await record('evil', HOSTILE, up(3));
  // What the probe does after recording a run of a target with `slo`: evaluate the burn rules.
  const slo: SloObjective = { availability: 99.9, latencyMs: undefined, latencyTarget: 95, windowDays: 30 };
  expect(await evaluateSloBurn(container, { id: 'burning', displayName: 'Burning shop', slo })).toContain(
    'page-fast:fired',
  );
});

async function open(page: Page): Promise<void> {
  await page.goto(`${dashboard.host.url}/api/dashboard`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  await page.waitForSelector('#tiles .tile[data-target="steady"]');
}

function expectClean(problems: PageProblems): void {
  expect(problems.consoleErrors, 'console errors').toEqual([]);
  expect(problems.failedRequests, 'failed requests').toEqual([]);
}

const budgetOf = (id: string) => `#tiles .tile[data-target="${id}"] .budget`;

async function summary() {
  return parseBody(probesSummarySchema, await fetch(`${dashboard.host.url}/api/probes/summary`));
}

describe('the error budget on the dashboard', () => {
  it("shows each target's remaining budget as the API computes it, a firing burn alert, and no budget where there is no objective", async () => {
    const context = await contextAs(dashboard.launched.browser, 'dev');
    const page = await context.newPage();
    const problems = watchProblems(page);
    await open(page);
    const api = await summary();
    const steady = api.targets.find((t) => t.id === 'steady')?.budget;
    // 37 counted runs (40 less 2 in maintenance and 1 DOWN while Pending), 1 DOWN: 1 of 1.85 allowed.
    expect(steady).toMatchObject({
      usedPercent: 54.054,
      remainingPercent: 45.946,
      runs: { counted: 37, down: 1, maintenance: 2, notApproved: 1 },
    });

    const steadyBlock = budgetOf('steady');
    await expect(page.getAttribute(steadyBlock, 'data-budget')).resolves.toBe('objective');
    await expect(page.getAttribute(steadyBlock, 'data-budget-remaining')).resolves.toBe(
      String(steady?.remainingPercent),
    );
    await expect(page.textContent(`${steadyBlock} .budget-value`)).resolves.toBe(
      budgetPercent(steady?.remainingPercent ?? null),
    );
    await expect(page.textContent(`${steadyBlock} .budget-value`)).resolves.toBe('45.9 %');
    const steadyText = (await page.textContent(steadyBlock)) ?? '';
    expect(steadyText).toContain('Error budget (28 d)45.9 % remaining');
    expect(steadyText).toContain('54.1 % used · 1 DOWN of 1.85 allowed, over 37 counted runs');
    expect(steadyText).toContain('Objective: 95 % available, 95 % of runs within 500 ms, over 28 days');
    expect(steadyText).toContain('No burn alert');
    expect(steadyText).toContain(
      'Left out (7.5 % of runs): 2 in maintenance, 1 while the connection was not Approved',
    );
    await expect(page.getAttribute(`${steadyBlock} .budget-bar`, 'aria-label')).resolves.toBe(
      'Error budget of Steady shop: 45.9 % remaining, 54.1 % used, over 28 days',
    );

    // Burning: page-fast fires now (both windows far above 14.4) and its notice was told.
    const burning = api.targets.find((t) => t.id === 'burning')?.budget;
    const fast = burning?.burn.find((b) => b.rule === 'page-fast');
    expect(fast).toMatchObject({ firing: true, threshold: 14.4 });
    expect(fast?.alertSince).not.toBeNull();
    await expect(page.getAttribute(budgetOf('burning'), 'data-budget-alert')).resolves.toBe('page');
    const alert =
      (await page.textContent(`${budgetOf('burning')} .budget-alert[data-burn-rule="page-fast"]`)) ?? '';
    expect(alert).toMatch(/page-fast alert \(page\) firing: 1 h at \d+×, 5 min at \d+× \(threshold 14\.4×\)/);
    expect(alert).toContain(' · since ');
    await expect(page.getAttribute(budgetOf('burning'), 'data-budget-remaining')).resolves.toBe(
      String(burning?.remainingPercent),
    );

    // No objective: said plainly, with where objectives are explained.
    await expect(page.getAttribute(budgetOf('plain'), 'data-budget')).resolves.toBe('none');
    await expect(page.textContent(budgetOf('plain'))).resolves.toBe(
      'No objectiveNo error budget or burn alerts: give the target an slo (docs/probe.md#objectives-and-error-budgets).',
    );
    expect(api.targets.find((t) => t.id === 'plain')?.budget).toBeUndefined();
    mkdirSync(SHOTS, { recursive: true });
    await page.locator('#status').screenshot({ path: join(SHOTS, 'budget-desktop-light.png') });
    expectClean(problems);
    await context.close();
  }, 60_000);

  it('keeps a hostile target name inert in the budget, and links the monthly report as JSON and CSV', async () => {
    const context = await contextAs(dashboard.launched.browser, 'dev');
    const page = await context.newPage();
    const problems = watchProblems(page);
    await open(page);
    const evil = `#tiles .tile[data-target="evil"]`;
    await expect(page.getAttribute(`${evil} .budget-bar`, 'aria-label')).resolves.toMatch(
      /^Error budget of <img src=x onerror="window.__pwned=1">Contoso: /,
    );
    await expect(page.$$eval(`${evil} img, #tiles img`, (els) => els.length)).resolves.toBe(0);
    await expect(page.evaluate('window.__pwned === undefined')).resolves.toBe(true);

    const month = new Date().toISOString().slice(0, 7);
    const json = await page.getAttribute('#slo-report a[data-report="json"]', 'href');
    const csv = await page.getAttribute('#slo-report a[data-report="csv"]', 'href');
    expect([json, csv]).toEqual([`probes/report?month=${month}`, `probes/report?month=${month}&format=csv`]);
    // The links work as a person following them would (relative to /api/dashboard).
    const report = await parseBody(
      sloReportSchema,
      await fetch(new URL(json ?? '', `${dashboard.host.url}/api/dashboard`)),
    );
    expect(report.targets.map((t) => t.targetId)).toEqual(['burning', 'evil', 'plain', 'steady']);
    const csvResponse = await fetch(new URL(csv ?? '', `${dashboard.host.url}/api/dashboard`));
    expect(csvResponse.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    await csvResponse.text();
    expectClean(problems);
    await context.close();
  }, 60_000);

  it('on a 390 px phone, light and dark: no sideways scrolling and no axe-core violations with budgets and alerts shown', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const context = await contextAs(dashboard.launched.browser, 'dev', { width: 390, height: 844 });
      const page = await context.newPage();
      await page.emulateMedia({ colorScheme: scheme });
      const problems = watchProblems(page);
      await open(page);
      await expect(
        page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth'),
        `${scheme}: sideways scrolling`,
      ).resolves.toBe(true);
      if (!(await page.evaluate<boolean>('typeof window.axe === "object"'))) await page.evaluate(AXE_SOURCE);
      const violations = await page.evaluate<{ id: string; nodes: string[] }[]>(`axe
        .run(document.querySelector('#status'), { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
        .then((r) => r.violations.map((v) => ({ id: v.id, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) })))`);
      expect(violations, `${scheme}: axe-core violations in the status section`).toEqual([]);
      mkdirSync(SHOTS, { recursive: true });
      await page.locator('#status').screenshot({ path: join(SHOTS, `budget-phone-${scheme}.png`) });
      expectClean(problems);
      await context.close();
    }
  }, 90_000);
});
