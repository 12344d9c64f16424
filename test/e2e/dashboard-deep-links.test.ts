import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { setContainer } from '../../shared/composition-root';
import type { NotifyEvent } from '../../shared/notify/core/notify-events';
import { dashboardLink } from '../../shared/notify/core/payloads';
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
import { probeResult, storeTarget } from '../helpers/probe-results';

/**
 * The links notifications carry (`dashboardLink`: `#connection=<id>`, `#target=<id>`) opened in real
 * headless Chromium against the local host: the page scrolls to the connection's row, highlights it
 * and moves the focus to it, selects a linked target's tile and chart, and follows a new fragment
 * (`hashchange`) without a reload.
 */

const CONSUMER_SUBSCRIPTION = guidOf(8, 'c8');
const MANUAL_POLICY = 'version: 1\nrules: []\ndefault:\n  action: manual\n';
/** Enough rows that the last one starts below the fold of a 1280 × 720 window. */
const CONNECTIONS = 30;
const TARGETS = ['web-a', 'web-b'];

const arm = useArmEmulator();
const connectionIds: string[] = [];

const dashboard = useDashboardPage(async () => {
  const world = arm.emulator.world;
  const plsId = plsIdOf('pls-links');
  world.addPrivateLinkService({ id: plsId });
  world.addSubscription(CONSUMER_SUBSCRIPTION, 'cccccccc-0000-4000-8000-00000000000d');
  for (let i = 1; i <= CONNECTIONS; i++) {
    const record = world.addConnection({
      plsId,
      privateEndpointId: privateEndpointIdOf(CONSUMER_SUBSCRIPTION, `pe-link-${String(i).padStart(2, '0')}`),
      status: 'Pending',
      requestMessage: `CHG00${1000 + i}`,
    });
    connectionIds.push(record.id ?? `${plsId}/privateEndpointConnections/${record.name}`);
  }
  const container = armTestContainer(arm.emulator, [plsId], {
    AUTH_MODE: 'dev',
    APPROVAL_POLICY: MANUAL_POLICY,
  });
  setContainer(container);
  for (const id of TARGETS)
    await recordResult(
      container,
      storeTarget(id, { failureThreshold: 1, successThreshold: 1 }),
      probeResult({ targetId: id, scheduledAt: new Date(Date.now() - 60_000) }),
    );
});

/** The link a notification about `subject` carries, with DASHBOARD_URL = this host's dashboard. */
function linkFor(type: NotifyEvent['type'], subject: string): string {
  const event: NotifyEvent = { id: 'e', type, at: new Date().toISOString(), subject, facts: {} };
  const link = dashboardLink(event, `${dashboard.host.url}/api/dashboard`);
  if (link === undefined) throw new Error('no link');
  return link;
}

interface Marked {
  readonly id: string | null;
  readonly linked: boolean;
  readonly current: string | null;
  readonly focused: boolean;
  readonly inView: boolean;
}

/** What the page shows of one connection row (by its ARM id) or one tile (by target id). */
function marked(page: Page, selector: string): Promise<Marked> {
  return page.evaluate<Marked>(`(() => {
    const el = document.querySelector(${JSON.stringify(selector)});
    if (el === null) return { id: null, linked: false, current: null, focused: false, inView: false };
    const box = el.getBoundingClientRect();
    return {
      id: el.getAttribute('data-connection-id') ?? el.getAttribute('data-target'),
      linked: el.classList.contains('linked') || el.classList.contains('selected'),
      current: el.getAttribute('aria-current'),
      focused: document.activeElement === el,
      inView: box.top >= 0 && box.bottom <= window.innerHeight,
    };
  })()`);
}

/**
 * Waits until `expression` is true in the page. Polled from here: page.waitForFunction evaluates
 * its string with eval inside the page, which the dashboard's CSP (script-src 'self') refuses.
 */
async function until(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate<boolean>(expression))) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const rowOf = (id: string) => `tr[data-connection-id="${id}"]`;

function expectClean(problems: PageProblems): void {
  expect(problems.consoleErrors, 'console errors').toEqual([]);
  expect(problems.failedRequests, 'failed requests').toEqual([]);
}

describe('dashboard deep links in Chromium', () => {
  it('#connection=<id> scrolls to the row, highlights and focuses it; a later fragment moves there', async () => {
    const context = await contextAs(dashboard.launched.browser, 'dev', { width: 1280, height: 720 });
    const page = await context.newPage();
    const problems = watchProblems(page);
    const last = connectionIds.at(-1) ?? '';
    const link = linkFor('connection.pending', last);
    expect(link).toBe(`${dashboard.host.url}/api/dashboard#connection=${encodeURIComponent(last)}`);
    await page.goto(link);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
    await until(page, `document.activeElement?.matches?.(${JSON.stringify(rowOf(last))}) === true`);
    expect(await marked(page, rowOf(last))).toEqual({
      id: last,
      linked: true,
      current: 'true',
      focused: true,
      inView: true,
    });

    // Another notification's link opened in the same tab: only the fragment changes.
    const first = connectionIds[0] ?? '';
    await page.evaluate(
      `location.hash = ${JSON.stringify(new URL(linkFor('connection.decided', first)).hash)}`,
    );
    await until(page, `document.activeElement?.matches?.(${JSON.stringify(rowOf(first))}) === true`);
    expect(await marked(page, rowOf(first))).toMatchObject({ linked: true, focused: true, inView: true });
    expect(await marked(page, rowOf(last))).toMatchObject({ linked: false, current: null });

    // A connection that is not (or no longer) there is said so, not silently ignored.
    await page.evaluate(`location.hash = '#connection=' + encodeURIComponent('/subscriptions/x/gone')`);
    await page.waitForSelector('#decision-message:not([hidden])');
    await expect(page.textContent('#decision-message')).resolves.toContain(
      'not on the managed Private Link Services',
    );
    expectClean(problems);
    await context.close();
  }, 60_000);

  it('#target=<id> selects the target: its tile is marked and focused, the chart shows it', async () => {
    const context = await contextAs(dashboard.launched.browser, 'dev', { width: 1280, height: 720 });
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(linkFor('probe.down', 'web-b'));
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
    const tile = '#tiles .tile[data-target="web-b"]';
    await until(page, `document.activeElement?.matches?.(${JSON.stringify(tile)}) === true`);
    expect(await marked(page, tile)).toEqual({
      id: 'web-b',
      linked: true,
      current: 'true',
      focused: true,
      inView: true,
    });
    await expect(page.inputValue('#series-target')).resolves.toBe('web-b');
    expect(await marked(page, '#tiles .tile[data-target="web-a"]')).toMatchObject({
      linked: false,
      current: null,
    });

    await page.evaluate(`location.hash = ${JSON.stringify(new URL(linkFor('probe.up', 'web-a')).hash)}`);
    await until(page, `document.querySelector('#series-target').value === 'web-a'`);
    expect(await marked(page, '#tiles .tile[data-target="web-a"]')).toMatchObject({
      linked: true,
      focused: true,
    });
    expect(await marked(page, tile)).toMatchObject({ linked: false, current: null });
    expectClean(problems);
    await context.close();
  }, 60_000);
});
