import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../../dashboard/build';
import type { LocalHost } from '../../scripts/local-host/local-host';
import { setContainer } from '../../shared/composition-root';
import {
  armTestContainer,
  guidOf,
  plsIdOf,
  privateEndpointIdOf,
  useArmEmulator,
} from '../helpers/arm-emulator';
import {
  chromiumAvailable,
  contextAs,
  INSTALL_HINT,
  type LaunchedBrowser,
  launchChromium,
  type PageProblems,
  watchProblems,
} from '../helpers/browser';
import { serveHttpFunctions } from '../helpers/http-functions';
import { type SeedReport, seedProbeData } from '../helpers/seed-probe-data';

/**
 * The dashboard in real headless Chromium, served by the local host over HTTP, with a month of
 * probe data in Azurite and Private Link connections in the ARM emulator. One browser for the
 * file; contexts per role (AUTH_MODE=dev acts as an approver; a reader is simulated with the
 * principal header, which dev mode honours).
 *
 * Screenshots go to test-results/dashboard/; with UPDATE_SCREENSHOTS=1 to docs/img/ (for README).
 */

const ROOT = join(__dirname, '..', '..');
// Code that runs in the page is given as strings: this test is compiled without the DOM library.
const SHOTS =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? join(ROOT, 'docs', 'img')
    : join(ROOT, 'test-results', 'dashboard');
const CONSUMER_SUBSCRIPTION = guidOf(7, 'c7');
const CONSUMER_TENANT = 'cccccccc-0000-4000-8000-00000000000c';
const SECTIONS = ['status', 'latency', 'incidents', 'connections', 'audit'];
const LIGHT_BACKGROUND = 'rgb(245, 247, 250)';
const DARK_BACKGROUND = 'rgb(15, 20, 26)';
const MANUAL_POLICY = 'version: 1\nrules: []\ndefault:\n  action: manual\n';

const arm = useArmEmulator();
let host: LocalHost;
let launched: LaunchedBrowser;
let seed: SeedReport;
let plsId: string;
const pending: string[] = [];

beforeAll(async () => {
  // Fails every test of the file with the install hint: CI must have the browser, never skip.
  if (!chromiumAvailable()) throw new Error(INSTALL_HINT);
  mkdirSync(SHOTS, { recursive: true });
  const world = arm.emulator.world;
  plsId = plsIdOf('pls-web');
  world.addPrivateLinkService({ id: plsId });
  world.addSubscription(CONSUMER_SUBSCRIPTION, CONSUMER_TENANT);
  for (const [i, message, status] of [
    [1, 'CHG0001234 - orders team, pre-production', 'Pending'],
    [2, 'CHG0001301 - billing SaaS tenant', 'Pending'],
    [3, 'CHG0000999 - reporting', 'Approved'],
  ] as const) {
    const record = world.addConnection({
      plsId,
      privateEndpointId: privateEndpointIdOf(CONSUMER_SUBSCRIPTION, `pe-consumer-${i}`),
      status,
      requestMessage: message,
    });
    if (status === 'Pending') pending.push(record.name);
  }
  const container = armTestContainer(arm.emulator, [plsId], {
    AUTH_MODE: 'dev',
    APPROVAL_POLICY: MANUAL_POLICY,
  });
  setContainer(container);
  const [built, seeded, served, browser] = await Promise.all([
    buildDashboard(),
    // Fewer days than the data-route tests: Azurite scans whole tables per query, and the page
    // only needs enough history for its charts (the month-long dataset is tested in integration).
    seedProbeData(container, { targets: 4, days: 8 }),
    serveHttpFunctions(),
    launchChromium(),
  ]);
  expect(built.script).toMatch(/\.js$/);
  seed = seeded;
  host = served;
  launched = browser;
  // An earlier decision by a person, so the audit trail and "last decision" have something to show.
  const third = await fetch(`${host.url}/api/connections/pls-web/${pending[1]}/reject`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reason: 'No change ticket for the billing tenant yet' }),
  });
  expect(third.status).toBe(200);
}, 90_000);

afterAll(async () => {
  await launched?.close();
  await host?.stop();
  setContainer(undefined);
});

async function open(context: BrowserContext): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage();
  const problems = watchProblems(page);
  await page.goto(`${host.url}/api/dashboard`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  await page.waitForSelector('#latency-chart[data-points]');
  return { page, problems };
}

function expectClean(problems: PageProblems): void {
  expect(problems.consoleErrors, 'console errors').toEqual([]);
  expect(problems.failedRequests, 'failed requests').toEqual([]);
}

async function seriesFromApi(
  target: string,
  range: string,
): Promise<{ points: { totalMeanMs: number | null }[] }> {
  return (await fetch(`${host.url}/api/probes/${target}/series?range=${range}`)).json() as Promise<{
    points: { totalMeanMs: number | null }[];
  }>;
}

describe('dashboard in Chromium', () => {
  it('an approver sees tiles with the seeded states, a chart per range, incidents, and approves a Pending connection', async () => {
    const context = await contextAs(launched.browser, 'dev');
    const { page, problems } = await open(context);

    const tiles = await page.$$eval('#tiles .tile', (nodes) =>
      nodes.map((n) => [n.getAttribute('data-target'), n.getAttribute('data-state')]),
    );
    expect(Object.fromEntries(tiles)).toEqual(
      Object.fromEntries(seed.targets.map((t) => [t.id, t.expectedState])),
    );
    await expect(page.textContent('#tiles .tile[data-target="probe-01"]')).resolves.toMatch(/since .* ago/);

    // 24 h by default, then 7 d: the chart draws a point for every bucket that has data.
    for (const range of ['24h', '7d', '1h']) {
      if (range !== '24h') await page.click(`#range button[data-range="${range}"]`);
      await page.waitForSelector(`#latency-chart[data-range="${range}"]`);
      const drawn = Number(await page.getAttribute('#latency-chart', 'data-points'));
      const target = await page.inputValue('#series-target');
      const expected = (await seriesFromApi(target, range)).points.filter(
        (p) => p.totalMeanMs !== null,
      ).length;
      expect(drawn, range).toBeGreaterThan(0);
      expect(Math.abs(drawn - expected), range).toBeLessThanOrEqual(1); // a bucket may complete between the two reads
    }
    // The DOWN target's chart marks its failures by class.
    await page.click('#tiles .tile[data-state="DOWN"]');
    const down = seed.targets.find((t) => t.expectedState === 'DOWN')?.id ?? '';
    await page.waitForSelector(`#latency-chart[data-target="${down}"]`);
    expect(Number(await page.getAttribute('#latency-chart', 'data-failures'))).toBeGreaterThan(0);

    const timeline = await page.textContent('#timeline');
    expect(timeline).toContain('ongoing');
    expect(await page.$$('#timeline li.event')).not.toHaveLength(0);

    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(SHOTS, 'dashboard-desktop-light.png'), fullPage: true });
    for (const section of SECTIONS)
      await page.locator(`#${section}`).screenshot({ path: join(SHOTS, `dashboard-${section}-light.png`) });

    // Approve the first Pending connection with a reason; the table updates from the API.
    const row = page.locator(`#connections-body tr[data-connection="${pending[0]}"]`);
    await expect(row.getAttribute('data-status')).resolves.toBe('Pending');
    await row.locator('input').fill('Change CHG0001234 approved by the network team');
    await row.locator('button[data-action="approve"]').click();
    await page.waitForSelector(
      `#connections-body tr[data-connection="${pending[0]}"][data-status="Approved"]`,
    );
    await expect(page.textContent('#decision-message')).resolves.toContain('applied');
    expect(arm.emulator.world.connection(plsId, pending[0] ?? '')?.status).toBe('Approved');
    await expect(
      page.textContent(`#connections-body tr[data-connection="${pending[0]}"]`),
    ).resolves.toContain('Change CHG0001234 approved');
    // The audit trail shows the decision, and filters.
    await page.fill('#audit-search', 'CHG0001234 approved');
    await expect(page.locator('#audit-body tbody tr').count()).resolves.toBeGreaterThan(0);
    await page.selectOption('#audit-action', 'reject');
    await expect(page.textContent('#audit-body')).resolves.toContain('No row matches');

    expectClean(problems);
    await context.close();
  }, 60_000);

  it('a reader sees the same data but no approve or reject buttons', async () => {
    const context = await contextAs(launched.browser, 'reader');
    const { page, problems } = await open(context);
    await page.waitForSelector('#connections-body table');
    expect(await page.$$('#connections-body button')).toHaveLength(0);
    expect(await page.$$eval('#connections-body th', (ths) => ths.map((t) => t.textContent))).not.toContain(
      'Decide',
    );
    await expect(page.textContent('#who')).resolves.toContain('reader');
    expect(await page.$$('#tiles .tile')).toHaveLength(seed.targets.length);
    expectClean(problems);
    await context.close();
  });

  it('renders light and dark, at 1280 px and on a 390 px phone without sideways scrolling; the toggle overrides the system', async () => {
    const context = await contextAs(launched.browser, 'dev', { width: 1280, height: 900 }, 'dark');
    const { page, problems } = await open(context);
    const background = () => page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    // One load, several looks: the system colour scheme and the viewport change in place.
    for (const [name, viewport, scheme] of [
      ['desktop-dark', { width: 1280, height: 900 }, 'dark'],
      ['phone-dark', { width: 390, height: 844 }, 'dark'],
      ['phone-light', { width: 390, height: 844 }, 'light'],
    ] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize(viewport);
      await page.click('#refresh'); // redraws the chart in the new colours and size
      await page.waitForTimeout(300);
      expect(await background(), name).toBe(scheme === 'dark' ? DARK_BACKGROUND : LIGHT_BACKGROUND);
      const overflow = await page.evaluate(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      expect(overflow, name).toBeLessThanOrEqual(0);
      await page.screenshot({
        path: join(SHOTS, `dashboard-${name}.png`),
        fullPage: name !== 'desktop-dark',
      });
      if (name === 'desktop-dark')
        for (const section of SECTIONS)
          await page
            .locator(`#${section}`)
            .screenshot({ path: join(SHOTS, `dashboard-${section}-dark.png`) });
    }
    // The system says light; the toggle (auto → light → dark) says dark, and wins.
    await page.click('#theme-toggle');
    await page.click('#theme-toggle');
    await expect(page.getAttribute('html', 'data-theme')).resolves.toBe('dark');
    expect(await background()).toBe(DARK_BACKGROUND);
    expectClean(problems);
    await context.close();
  }, 60_000);
});
