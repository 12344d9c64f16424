import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { buildDashboard } from '../../dashboard/build';
import type { LocalHost } from '../../scripts/local-host/local-host';
import { connectionListSchema } from '../../shared/api/core/api-schemas';
import { setContainer } from '../../shared/composition-root';
import { probeSeriesSchema } from '../../shared/dashboard/core/dashboard-schemas';
import { recordResult } from '../../shared/probe/storage/probe-store';
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
import { parseBody, parseJson } from '../helpers/parse-body';
import { probeResult } from '../helpers/probe-results';
import { type SeedReport, seedProbeData } from '../helpers/seed-probe-data';

/**
 * The dashboard in real headless Chromium, served by the local host over HTTP, with a month of
 * probe data in Azurite and Private Link connections in the ARM emulator. One browser for the
 * file; contexts per role (AUTH_MODE=dev acts as an approver; a reader is simulated with the
 * principal header, which dev mode honours).
 *
 * Screenshots go to test-results/dashboard/ (the pictures in docs/img/ come from the lab: npm run screenshots).
 */

const ROOT = join(__dirname, '..', '..');
// Code that runs in the page is given as strings: this test is compiled without the DOM library.
const SHOTS = join(ROOT, 'test-results', 'dashboard');
const CONSUMER_SUBSCRIPTION = guidOf(7, 'c7');
const CONSUMER_TENANT = 'cccccccc-0000-4000-8000-00000000000c';
const SECTIONS = ['connections', 'status', 'latency', 'incidents', 'audit'];
// Long names like the lab's (consumer label, endpoint and alias), two of them alike at the start.
const LONG_NAMED = [
  {
    id: 'fabrikam-web',
    displayName:
      'Fabrikam (acquired company) pe-fabrikam-web to pls-web.2b1c4d0e-5f6a-4b7c-8d9e-0f1a2b3c4d5e.westeurope.azure.privatelinkservice',
  },
  {
    id: 'fabrikam-api',
    displayName:
      'Fabrikam (acquired company) pe-fabrikam-api to pls-api.7e8f9a0b-1c2d-4e3f-8a5b-6c7d8e9f0a1b.westeurope.azure.privatelinkservice',
  },
];
/** Targets DOWN because their PLS connection is not Approved (shown as such, not as outages). */
const CONNECTION_BLOCKED = [
  ['pe-northwind-web', 'Pending'],
  ['pe-litware-web', 'Rejected'],
] as const;
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const LIGHT_BACKGROUND = 'rgb(245, 247, 250)';
const DARK_BACKGROUND = 'rgb(15, 20, 26)';
const MANUAL_POLICY = 'version: 1\nrules: []\ndefault:\n  action: manual\n';

const arm = useArmEmulator();
let host: LocalHost;
let launched: LaunchedBrowser;
let seed: SeedReport;
let plsId: string;
let mainContainer: ReturnType<typeof armTestContainer>;
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
  mainContainer = container;
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
  for (const t of LONG_NAMED)
    await recordResult(
      container,
      {
        id: t.id,
        displayName: t.displayName,
        url: new URL('http://127.0.0.1/'),
        failureThreshold: 1,
        successThreshold: 1,
      },
      probeResult({ targetId: t.id, scheduledAt: new Date(Date.now() - 60_000) }),
    );
  // Endpoints the provider has not approved, or has rejected: DOWN, but not the service's failure.
  for (const [id, connectionState] of CONNECTION_BLOCKED)
    await recordResult(
      container,
      { id, displayName: id, url: new URL('http://127.0.0.1/'), failureThreshold: 1, successThreshold: 1 },
      probeResult({
        targetId: id,
        scheduledAt: new Date(Date.now() - 60_000),
        status: 'DOWN',
        connectionState,
      }),
    );
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

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly nodes: readonly string[];
}

/** axe-core's WCAG 2.x A/AA rules on the page as it is now (its source is evaluated, not injected: the CSP stays on). */
async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate<boolean>('typeof window.axe === "object"'))) await page.evaluate(AXE_SOURCE);
  return page.evaluate<AxeViolation[]>(`axe
    .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) })))`);
}

async function seriesFromApi(target: string, range: string): Promise<z.output<typeof probeSeriesSchema>> {
  return parseBody(probeSeriesSchema, await fetch(`${host.url}/api/probes/${target}/series?range=${range}`));
}

describe('dashboard in Chromium', () => {
  it('an approver sees tiles with the seeded states, a chart per range, incidents, and approves a Pending connection', async () => {
    const context = await contextAs(launched.browser, 'dev');
    // The approval API adds each connection's ETag; until it does on this branch, the page is given one.
    let etagSeen: string | undefined;
    await context.route('**/api/connections?**', async (route) => {
      try {
        const response = await route.fetch();
        // A live poll of an unchanged list: the page reuses the body it has (with the ETags added below).
        if (response.status() === 304) return await route.fulfill({ response });
        const body = parseJson(connectionListSchema, await response.json());
        for (const item of body.items) item.etag ??= `W/"dashboard-test-${item.name.length}"`;
        etagSeen = body.items.find((i) => i.name === pending[0])?.etag ?? undefined;
        await route.fulfill({ response, json: body });
      } catch (error) {
        // A refresh still in flight when the test closes the page has no one left to answer.
        if (!/disposed|closed/i.test((error as Error).message)) throw error;
      }
    });
    const { page, problems } = await open(context);

    const tiles = await page.$$eval('#tiles .tile', (nodes) =>
      nodes.map((n) => [n.getAttribute('data-target'), n.getAttribute('data-state')]),
    );
    expect(Object.fromEntries(tiles)).toEqual({
      ...Object.fromEntries(seed.targets.map((t) => [t.id, t.expectedState])),
      ...Object.fromEntries(LONG_NAMED.map((t) => [t.id, 'UP'])),
      ...Object.fromEntries(CONNECTION_BLOCKED.map(([id]) => [id, 'DOWN'])),
    });
    // Names alike at the start are told apart: the full name in the tooltip, the id shown under it.
    for (const t of LONG_NAMED) {
      const tile = page.locator(`#tiles .tile[data-target="${t.id}"]`);
      await expect(tile.getAttribute('title')).resolves.toContain(t.displayName);
      await expect(tile.locator('.tile-suffix').textContent()).resolves.toBe(t.id);
    }
    expect(await page.$$('#tiles .tile[data-target="probe-01"] .tile-suffix')).toHaveLength(0);
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
    await page.click('#tiles .tile[data-condition="down"]');
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

    // What needs a person comes first: the count of Pending connections links to the table.
    await expect(page.textContent('#waiting')).resolves.toBe('1 connection waits for you');
    await expect(page.getAttribute('#waiting-link', 'href')).resolves.toBe('#connections');

    // Approve the first Pending connection with a reason; the table updates from the API.
    const row = page.locator(`#connections-body tr[data-connection="${pending[0]}"]`);
    await expect(row.getAttribute('data-status')).resolves.toBe('Pending');
    await row.locator('input[data-control="reason"]').fill('Change CHG0001234 approved by the network team');
    const decision = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/approve'));
    await row.locator('button[data-action="approve"]').click();
    const sent = await decision;
    expect(sent.headers()['content-type']).toBe('application/json');
    expect(JSON.parse(sent.postData() ?? '')).toEqual({
      reason: 'Change CHG0001234 approved by the network team',
    });
    expect(sent.headers()['if-match']).toBe(etagSeen);
    await page.waitForSelector(
      `#connections-body tr[data-connection="${pending[0]}"][data-status="Approved"]`,
    );
    // The focus stays on the row the person worked on, although the table was redrawn.
    await expect(
      page.evaluate<string | undefined>("document.activeElement?.closest('tr')?.dataset.connection"),
    ).resolves.toBe(pending[0]);
    expect(await page.isHidden('#waiting')).toBe(true);
    await expect(page.textContent('#decision-message')).resolves.toContain('applied');
    expect(arm.emulator.world.connection(plsId, pending[0] ?? '')?.status).toBe('Approved');
    await expect(
      page.textContent(`#connections-body tr[data-connection="${pending[0]}"]`),
    ).resolves.toContain('Change CHG0001234 approved');
    // Rejecting is final in ARM: it asks once more, and Cancel leaves the connection as it was.
    const approved = page.locator(`#connections-body tr[data-connection="${pending[0]}"]`);
    await approved.locator('input[data-control="reason"]').fill('Ticket withdrawn');
    await approved.locator('button[data-action="reject"]').click();
    await expect(approved.locator('button[data-action="confirm-reject"]').isVisible()).resolves.toBe(true);
    await expect(
      page.evaluate<string | undefined>("document.activeElement?.getAttribute('data-action')"),
    ).resolves.toBe('confirm-reject');
    await approved.locator('button[data-action="cancel-reject"]').click();
    expect(arm.emulator.world.connection(plsId, pending[0] ?? '')?.status).toBe('Approved');
    // Someone else decides first: the server's 409 state_changed is shown as "it changed; reload".
    await page.route('**/reject', (route) =>
      route.fulfill({
        status: 409,
        contentType: 'application/problem+json',
        body: JSON.stringify({ status: 409, code: 'state_changed', detail: 'The connection changed.' }),
      }),
    );
    await approved.locator('button[data-action="reject"]').click();
    await approved.locator('button[data-action="confirm-reject"]').click();
    // Polled from the test (a string predicate would be evaluated in the page, which the CSP forbids).
    await expect
      .poll(() => page.textContent('#decision-message'), { timeout: 10_000 })
      .toContain('changed since this page showed it');
    await expect(page.textContent('#decision-message')).resolves.toContain('reloaded');
    expect(arm.emulator.world.connection(plsId, pending[0] ?? '')?.status).toBe('Approved');
    await page.unroute('**/reject');
    // The 409 above was staged on purpose.
    problems.failedRequests.splice(0);
    problems.consoleErrors.splice(0);

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
    expect(await page.$$('#tiles .tile')).toHaveLength(
      seed.targets.length + LONG_NAMED.length + CONNECTION_BLOCKED.length,
    );
    // Health's reader detail says how new connections arrived; the page shows it under the table.
    await page.waitForSelector('#fast-path:not([hidden])');
    await expect(page.textContent('#fast-path')).resolves.toContain('event fast path');
    expectClean(problems);
    await context.close();
  });

  it('renders light and dark, at 1280 px and on a 390 px phone without sideways scrolling and with no axe-core violations; the toggle overrides the system', async () => {
    const context = await contextAs(launched.browser, 'dev', { width: 1280, height: 900 }, 'dark');
    const { page, problems } = await open(context);
    const background = () => page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    // One load, several looks: the system colour scheme and the viewport change in place.
    for (const [name, viewport, scheme] of [
      ['desktop-light-axe', { width: 1280, height: 900 }, 'light'],
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
      expect(await axeViolations(page), `axe-core violations, ${name}`).toEqual([]);
      if (name === 'desktop-light-axe') continue; // the light desktop shots come from the first test
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

  it('shows a banner with the first problems when the policy and the targets are invalid, and a skip link', async () => {
    setContainer(
      armTestContainer(arm.emulator, [plsId], {
        AUTH_MODE: 'dev',
        APPROVAL_POLICY: 'version: 1\nrules: []\ndefault:\n  action: approve\n',
        PROBE_TARGETS: '[{"id":"web","url":"not a url"}]',
      }),
    );
    try {
      const context = await contextAs(launched.browser, 'dev');
      const page = await context.newPage();
      const problems = watchProblems(page);
      await page.goto(`${host.url}/api/dashboard`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
      await page.waitForSelector('#problems:not([hidden])');
      const banner = (await page.textContent('#problems')) ?? '';
      expect(banner).toContain('approval policy is invalid');
      expect(banner).toContain('default.action');
      expect(banner).toContain('probe targets are invalid');
      expect(banner).toContain('targets[0].url');
      expect(banner).toContain('GET /api/health');
      await expect(page.textContent('#tiles')).resolves.toContain('Nothing new is probed');
      // The first Tab reaches the skip link; following it puts the focus on the content.
      await page.keyboard.press('Tab');
      await expect(page.evaluate<string | undefined>('document.activeElement?.className')).resolves.toBe(
        'skip-link',
      );
      await page.keyboard.press('Enter');
      await expect(page.evaluate<string | undefined>('document.activeElement?.id')).resolves.toBe('main');
      // The one expected failure: health answers 503 (the policy does not load), and the page shows why.
      expect(problems.consoleErrors.filter((e) => !e.includes('status of 503'))).toEqual([]);
      await context.close();
    } finally {
      setContainer(mainContainer);
    }
  }, 60_000);
});
