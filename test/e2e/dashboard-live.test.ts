import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { connectionListSchema, decisionListSchema } from '../../shared/api/core/api-schemas';
import { getContainer, setContainer } from '../../shared/composition-root';
import { recordResult } from '../../shared/probe/storage/probe-store';
import {
  armTestContainer,
  guidOf,
  plsIdOf,
  privateEndpointIdOf,
  useArmEmulator,
} from '../helpers/arm-emulator';
import { contextAs, type PageProblems, watchProblems } from '../helpers/browser';
import { useDashboardPage } from '../helpers/dashboard-page';
import { parseBody, parseJson } from '../helpers/parse-body';
import { principalHeader } from '../helpers/principals';
import { probeResult, storeTarget } from '../helpers/probe-results';

/**
 * The dashboard as a console left open (issue 25), in real headless Chromium against the local host
 * and the ARM emulator: it follows decisions made elsewhere without a reload (conditional polls,
 * 304 when nothing changed), asks before a final reject and only then, shows connection conditions
 * apart from outages, fits a phone, and decides several connections at once with one reason.
 */

const CONSUMER_SUBSCRIPTION = guidOf(9, 'c9');
const CONSUMER_TENANT = 'cccccccc-0000-4000-8000-00000000000e';
const MANUAL_POLICY = 'version: 1\nrules: []\ndefault:\n  action: manual\n';
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
/** The page polls every 10 s: a change shows within two polls. */
const LIVE_WAIT = { timeout: 25_000, intervals: [500] };
const PLS = 'pls-live';
const plsId = plsIdOf(PLS);
/** Customers as the approval API will name them (issue 23); the page is given them by the test. */
const CUSTOMERS: Record<string, string> = { 'pe-live-1': 'Contoso', 'pe-live-2': 'Fabrikam' };

const arm = useArmEmulator();
const names: Record<string, string> = {};

/** Probe targets, one per condition the tiles must tell apart. */
const TARGETS = {
  up: 'web-up',
  down: 'web-down',
  waiting: 'web-waiting',
  rejected: 'web-rejected',
  maintenance: 'web-maintenance',
} as const;

function addPending(endpoint: string, message: string, status: 'Pending' | 'Approved' = 'Pending'): string {
  const record = arm.emulator.world.addConnection({
    plsId,
    privateEndpointId: privateEndpointIdOf(CONSUMER_SUBSCRIPTION, endpoint),
    status,
    requestMessage: message,
  });
  names[endpoint] = record.name;
  return record.name;
}

const dashboard = useDashboardPage(async () => {
  const world = arm.emulator.world;
  world.addPrivateLinkService({ id: plsId });
  world.addSubscription(CONSUMER_SUBSCRIPTION, CONSUMER_TENANT);
  addPending('pe-live-1', 'CHG0002001 - orders');
  addPending('pe-live-2', 'CHG0002002 - billing');
  addPending('pe-live-3', 'CHG0002003 - reporting');
  addPending('pe-live-4', 'CHG0002004 - archive', 'Approved');
  const container = armTestContainer(arm.emulator, [plsId], {
    AUTH_MODE: 'dev',
    APPROVAL_POLICY: MANUAL_POLICY,
  });
  setContainer(container);
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
  const record = (id: string, spec: Omit<Parameters<typeof probeResult>[0], 'targetId'>) =>
    recordResult(container, storeTarget(id, { failureThreshold: 1, successThreshold: 1 }), {
      ...probeResult({ targetId: id, ...spec }),
    });
  await record(TARGETS.up, { scheduledAt: at(3) });
  await record(TARGETS.up, { scheduledAt: at(2) });
  await record(TARGETS.down, { scheduledAt: at(2), status: 'DOWN', failureClass: 'HTTP_STATUS' });
  await record(TARGETS.waiting, { scheduledAt: at(2), status: 'DOWN', connectionState: 'Pending' });
  await record(TARGETS.rejected, { scheduledAt: at(2), status: 'DOWN', connectionState: 'Rejected' });
  await record(TARGETS.maintenance, { scheduledAt: at(3) });
  await record(TARGETS.maintenance, { scheduledAt: at(2), status: 'DOWN', inMaintenance: true });
});

const problemsOf = new WeakMap<Page, PageProblems>();

/** Opens the page as `role`, with the customers of issue 23 added to the connection rows. */
async function open(context: BrowserContext): Promise<Page> {
  await context.route('**/api/connections?**', async (route) => {
    try {
      const response = await route.fetch();
      if (response.status() !== 200) return await route.fulfill({ response });
      const body = parseJson(connectionListSchema, await response.json());
      const items = body.items.map((item) => {
        const endpoint = Object.entries(names).find(([, name]) => name === item.name)?.[0] ?? '';
        return CUSTOMERS[endpoint] === undefined ? item : { ...item, customer: CUSTOMERS[endpoint] };
      });
      await route.fulfill({ response, json: { ...body, items } });
    } catch (error) {
      // A poll still in flight when the test closes the page has no one left to answer.
      if (!/disposed|closed/i.test((error as Error).message)) throw error;
    }
  });
  const page = await context.newPage();
  problemsOf.set(page, watchProblems(page));
  await page.goto(`${dashboard.host.url}/api/dashboard`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  await page.waitForSelector('#connections-body table');
  return page;
}

function expectClean(page: Page): void {
  const problems = problemsOf.get(page);
  expect(problems?.consoleErrors, 'console errors').toEqual([]);
  expect(problems?.failedRequests, 'failed requests').toEqual([]);
}

async function axeViolations(page: Page): Promise<unknown[]> {
  if (!(await page.evaluate<boolean>('typeof window.axe === "object"'))) await page.evaluate(AXE_SOURCE);
  return page.evaluate<unknown[]>(`axe
    .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
    .then((r) => r.violations.map((v) => ({ id: v.id, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) })))`);
}

const overflow = (page: Page) =>
  page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');

const rowOf = (page: Page, endpoint: string) =>
  page.locator(`#connections-body tr[data-connection="${names[endpoint]}"]`);

async function decideByApi(endpoint: string, action: 'approve' | 'reject', reason: string): Promise<void> {
  const response = await fetch(`${dashboard.host.url}/api/connections/${PLS}/${names[endpoint]}/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reason }),
  });
  expect(response.status).toBe(200);
}

describe('the dashboard left open', () => {
  it('follows decisions and new connections made elsewhere without a reload; unchanged polls are 304s and keep what the person typed', async () => {
    const context = await contextAs(dashboard.launched.browser, 'dev');
    const page = await open(context);
    await page.evaluate('window.__sameDocument = true');
    await expect(page.textContent('#waiting')).resolves.toBe('3 connections wait for you');
    // The person starts typing a reason on one row; polls must not wipe it.
    await rowOf(page, 'pe-live-3').locator('input[data-control="reason"]').fill('Checking with the team');
    // Nothing changed yet: the next poll of the list is answered 304, without a body.
    const unchanged = (route: string) =>
      page.waitForResponse(
        (r) => r.url().includes(route) && r.request().headers()['if-none-match'] !== undefined,
        { timeout: 15_000 },
      );
    const [connections, decisions, summary] = await Promise.all(
      ['/api/connections?', '/api/decisions?', '/api/probes/summary'].map(unchanged),
    );
    expect([connections?.status(), decisions?.status(), summary?.status()]).toEqual([304, 304, 304]);

    // Someone else decides with curl, a consumer creates an endpoint, a probe finds a failure.
    await decideByApi('pe-live-1', 'approve', 'Approved from the runbook by curl');
    const newcomer = addPending('pe-live-5', 'CHG0002005 - new consumer');
    addPending('pe-live-6', 'CHG0002006 - another consumer');
    await recordResult(
      getContainer(),
      storeTarget(TARGETS.up, { failureThreshold: 1, successThreshold: 1 }),
      probeResult({ targetId: TARGETS.up, scheduledAt: new Date(Date.now() - 30_000), status: 'DOWN' }),
    );

    await expect.poll(() => rowOf(page, 'pe-live-1').getAttribute('data-status'), LIVE_WAIT).toBe('Approved');
    await expect.poll(() => page.locator(`tr[data-connection="${newcomer}"]`).count(), LIVE_WAIT).toBe(1);
    // Pending now: pe-live-2, pe-live-3 and the two new ones.
    await expect.poll(() => page.textContent('#waiting'), LIVE_WAIT).toBe('4 connections wait for you');
    await expect
      .poll(() => page.getAttribute(`#tiles .tile[data-target="${TARGETS.up}"]`, 'data-condition'), LIVE_WAIT)
      .toBe('down');
    await expect
      .poll(() => page.textContent('#audit-body'), LIVE_WAIT)
      .toContain('Approved from the runbook by curl');
    await expect(rowOf(page, 'pe-live-3').locator('input[data-control="reason"]').inputValue()).resolves.toBe(
      'Checking with the team',
    );
    // The same document all along: no reload happened.
    await expect(page.evaluate<boolean>('window.__sameDocument === true')).resolves.toBe(true);
    expectClean(page);
    await context.close();
  }, 60_000);

  it('shows "Reject for good" only after Reject is clicked: not visible and not a Tab stop before', async () => {
    const context = await contextAs(dashboard.launched.browser, 'dev');
    const page = await open(context);
    await page.check(`tr[data-connection="${names['pe-live-2']}"] input[data-control="select"]`);
    const confirmations = page.getByRole('button', { name: /for good/ });
    const visible = async () => {
      const all = await confirmations.all();
      return (await Promise.all(all.map((b) => b.isVisible()))).filter(Boolean).length;
    };
    expect(await visible()).toBe(0);
    // Every Tab stop of the page, in order: none of them is a final rejection.
    const stops: string[] = [];
    for (let i = 0; i < 120; i++) {
      await page.keyboard.press('Tab');
      stops.push(
        await page.evaluate<string>(
          "(document.activeElement?.tagName === 'BUTTON' ? document.activeElement.textContent : '') + '|' + (document.activeElement?.getAttribute('data-action') ?? '')",
        ),
      );
    }
    expect(stops.filter((s) => /for good|confirm-reject/.test(s))).toEqual([]);
    // Asked for, it is there and has the focus; Cancel takes it away again.
    const row = rowOf(page, 'pe-live-2');
    await row.locator('input[data-control="reason"]').fill('No ticket');
    await row.locator('button[data-action="reject"]').click();
    expect(await visible()).toBe(1);
    await expect(
      page.evaluate<string | null>("document.activeElement?.getAttribute('data-action')"),
    ).resolves.toBe('confirm-reject');
    await row.locator('button[data-action="cancel-reject"]').click();
    expect(await visible()).toBe(0);
    expect(arm.emulator.world.connection(plsId, names['pe-live-2'] ?? '')?.status).toBe('Pending');
    expectClean(page);
    await context.close();
  }, 60_000);

  it('tells waiting for approval, rejected, maintenance and a real failure apart, in words, with a summary line and 24 h history bars', async () => {
    const context = await contextAs(dashboard.launched.browser, 'reader');
    const page = await open(context);
    const tile = (id: string) => page.locator(`#tiles .tile[data-target="${id}"]`);
    const expected: Record<string, [condition: string, words: string]> = {
      [TARGETS.waiting]: ['awaiting-approval', 'WAITING FOR APPROVAL'],
      [TARGETS.rejected]: ['rejected', 'REJECTED'],
      [TARGETS.maintenance]: ['maintenance', 'MAINTENANCE'],
      [TARGETS.down]: ['down', 'DOWN'],
    };
    for (const [id, [condition, words]] of Object.entries(expected)) {
      await expect(tile(id).getAttribute('data-condition'), id).resolves.toBe(condition);
      await expect(tile(id).locator('.badge').textContent(), id).resolves.toContain(words);
      await expect(tile(id).locator('.history .hour').count(), id).resolves.toBe(24);
      await expect(tile(id).locator('.history').getAttribute('aria-label'), id).resolves.toMatch(
        /^Last 24 hours: /,
      );
    }
    // Waiting is not counted against the service: no judged run, so no availability (not 0 %).
    await expect(tile(TARGETS.waiting).locator('.metric').first().textContent()).resolves.toContain('—');
    await expect(tile(TARGETS.down).locator('.metric').first().textContent()).resolves.toContain('0.0 %');
    await expect(tile(TARGETS.waiting).textContent()).resolves.toContain('not a failure of the service');
    const overview = (await page.textContent('#overview')) ?? '';
    expect(overview).toMatch(/^\d of 5 endpoints up/);
    for (const words of ['waiting for approval', 'rejected', 'in maintenance'])
      expect(overview).toContain(`1 ${words}`);

    // The badge: an SVG per target, names inert, readers only.
    const badge = await page.evaluate<{ status: number; type: string | null; body: string }>(
      `fetch('probes/${TARGETS.waiting}/badge').then(async (r) => ({ status: r.status, type: r.headers.get('content-type'), body: await r.text() }))`,
    );
    expect(badge.status).toBe(200);
    expect(badge.type).toContain('image/svg+xml');
    expect(badge.body).toContain('waiting for approval');
    const nobody = await fetch(`${dashboard.host.url}/api/probes/${TARGETS.waiting}/badge`, {
      headers: { 'x-ms-client-principal': principalHeader('none') },
    });
    expect(nobody.status).toBe(403);
    expect(
      (await fetch(`${dashboard.host.url}/api/probes/nope/badge`, { headers: readerHeaders() })).status,
    ).toBe(404);

    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await axeViolations(page), scheme).toEqual([]);
    }
    expectClean(page);
    await context.close();
  }, 60_000);

  it('on a phone: cards with Approve on screen, a one-row header, a readable audit; no overflow or axe violations with everything open', async () => {
    // Something in the audit trail to read.
    addPending('pe-live-7', 'CHG0002007 - phone check');
    await decideByApi('pe-live-7', 'approve', 'Approved on the go, with a long reason to wrap on a phone');
    const context = await contextAs(dashboard.launched.browser, 'dev', { width: 390, height: 844 });
    const page = await open(context);
    // One row: every visible part of the header has its middle at the same height (± a few px).
    const header = await page.evaluate<number[]>(
      "[...document.querySelectorAll('.bar > *')].filter((e) => getComputedStyle(e).display !== 'none').map((e) => e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2)",
    );
    expect(header.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...header) - Math.min(...header), `header middles: ${header}`).toBeLessThanOrEqual(6);
    const approve = rowOf(page, 'pe-live-3').locator('button[data-action="approve"]');
    await approve.scrollIntoViewIfNeeded();
    const box = await approve.boundingBox();
    expect(box, 'Approve has a box').not.toBeNull();
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
    expect(box?.x ?? -1).toBeGreaterThanOrEqual(0);
    // A card: the row's parts are stacked, the decision under the connection's name, not beside it.
    const name = await rowOf(page, 'pe-live-3').locator('td[data-label="Connection"]').boundingBox();
    const decide = await rowOf(page, 'pe-live-3').locator('td[data-label="Decide"]').boundingBox();
    expect(decide?.y ?? 0).toBeGreaterThanOrEqual((name?.y ?? 0) + (name?.height ?? 0));
    expect(decide?.width ?? 0).toBeGreaterThan(300);
    for (const label of ['Actor', 'Reason']) {
      const cell = page.locator(`#audit-body td[data-label="${label}"]`).first();
      await cell.scrollIntoViewIfNeeded();
      const cellBox = await cell.boundingBox();
      expect((cellBox?.x ?? 0) + (cellBox?.width ?? 0), label).toBeLessThanOrEqual(390);
    }
    // Everything a person can open, open at once: a confirmation, the bulk bar's confirmation, filters.
    const row = rowOf(page, 'pe-live-3');
    await row.locator('input[data-control="reason"]').fill('No ticket');
    await row.locator('button[data-action="reject"]').click();
    await page.check(`tr[data-connection="${names['pe-live-2']}"] input[data-control="select"]`);
    await page.fill('#bulk-reason', 'Batch check');
    await page.click('#bulk-reject');
    await page.waitForSelector('#bulk-confirm:not([hidden])');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await overflow(page), scheme).toBeLessThanOrEqual(0);
      expect(await axeViolations(page), scheme).toEqual([]);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await overflow(page), `desktop ${scheme}`).toBeLessThanOrEqual(0);
      expect(await axeViolations(page), `desktop ${scheme}`).toEqual([]);
    }
    await page.click('#bulk-cancel');
    expectClean(page);
    await context.close();
  }, 60_000);

  it('filters by service, status and customer, searches, and approves several at once with one reason, each audited on its own', async () => {
    const context = await contextAs(dashboard.launched.browser, 'dev');
    const page = await open(context);
    const shownRows = () =>
      page.$$eval('#connections-body tr[data-connection]', (rows) =>
        rows.map((r) => r.getAttribute('data-connection')),
      );
    await page.selectOption('#conn-customer', 'Fabrikam');
    await expect(shownRows()).resolves.toEqual([names['pe-live-2']]);
    await page.selectOption('#conn-customer', '');
    await page.selectOption('#conn-status', 'Approved');
    const approved = await shownRows();
    expect(approved).toContain(names['pe-live-4']);
    expect(approved).not.toContain(names['pe-live-2']);
    await page.selectOption('#conn-status', '');
    await expect(page.$$eval('#conn-service option', (o) => o.map((x) => x.textContent))).resolves.toEqual([
      'all',
      PLS,
    ]);
    await page.fill('#conn-search', 'reporting');
    await expect(shownRows()).resolves.toEqual([names['pe-live-3']]);
    await page.fill('#conn-search', '');

    // Bulk: tick two Pending connections, one reason, Approve.
    for (const endpoint of ['pe-live-2', 'pe-live-3'])
      await page.check(`tr[data-connection="${names[endpoint]}"] input[data-control="select"]`);
    await expect(page.textContent('#bulk-approve')).resolves.toBe('Approve 2');
    await page.fill('#bulk-reason', 'Quarterly onboarding batch');
    await page.click('#bulk-approve');
    await expect
      .poll(() => page.textContent('#decision-message'), { timeout: 15_000 })
      .toContain('Approved 2 of 2');
    for (const endpoint of ['pe-live-2', 'pe-live-3'])
      expect(arm.emulator.world.connection(plsId, names[endpoint] ?? '')?.status, endpoint).toBe('Approved');
    // One audit outcome per connection, each with the shared reason.
    const audit = await parseBody(
      decisionListSchema,
      await fetch(`${dashboard.host.url}/api/decisions?limit=100`, { headers: readerHeaders() }),
    );
    const outcomes = audit.items.filter(
      (r) => r.kind === 'outcome' && r.reason === 'Quarterly onboarding batch',
    );
    expect(outcomes.map((r) => r.connectionName).sort()).toEqual(
      [names['pe-live-2'], names['pe-live-3']].sort(),
    );

    // Bulk reject asks once more, for all of them, and only after the click.
    const late = addPending('pe-live-8', 'CHG0002008 - late');
    await expect.poll(() => page.locator(`tr[data-connection="${late}"]`).count(), LIVE_WAIT).toBe(1);
    await page.check(`tr[data-connection="${late}"] input[data-control="select"]`);
    expect(await page.isVisible('#bulk-confirm-reject')).toBe(false);
    await page.fill('#bulk-reason', 'Not a customer of ours');
    await page.click('#bulk-reject');
    await expect(page.textContent('#bulk-confirm-reject')).resolves.toBe('Reject 1 for good');
    await page.click('#bulk-confirm-reject');
    await expect
      .poll(() => page.textContent('#decision-message'), { timeout: 15_000 })
      .toContain('Rejected 1 of 1');
    expect(arm.emulator.world.connection(plsId, late)?.status).toBe('Rejected');
    expectClean(page);
    await context.close();
  }, 90_000);
});

function readerHeaders(): Record<string, string> {
  return { 'x-ms-client-principal': principalHeader('reader') };
}
