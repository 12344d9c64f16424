import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort } from '../../emulators/azurite';
import { connectionListSchema } from '../../shared/api/core/api-schemas';
import {
  chromiumAvailable,
  contextAs,
  INSTALL_HINT,
  type LaunchedBrowser,
  launchChromium,
  watchProblems,
} from '../helpers/browser';
import { buildLab, type LabBuild, type LabProcess, spawnLab } from '../helpers/lab-process';
import { parseBody } from '../helpers/parse-body';

/**
 * The dashboard left open through the lab (issue 25): `npm run local` with the short scenario as a
 * child process, the page opened before any connection exists, then never reloaded. The policy
 * decides (reconciliation and the event fast path), a person decides elsewhere (an API call, as curl
 * would), and the page's connections table and its "waits for you" count must follow each of them
 * by live polling alone. On the lab's real data: 0 axe-core WCAG 2.1 AA violations and no sideways
 * scrolling, desktop and phone, light and dark.
 */

const ROOT = join(__dirname, '..', '..');
/**
 * The short scenario's consumers connect at +1 s and +3 s; a page on a loaded machine may take longer
 * than that to open, and then it would not be open "before the policy decides". The test plays the
 * same scenario with every consumer a fixed delay later, so the page is open (and checked to show no
 * decided connection) before the first connection even exists.
 */
const CONNECT_DELAY_SECONDS = 20;
/** Generous: reconciliation every 10 s, the page polls every 10 s (and doubles its pause after failures). */
const FOLLOWS = { timeout: 60_000, intervals: [1_000] };
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
/** What the sample policy does with the short scenario's consumers (lab/short-scenario.yaml). */
const POLICY_DECIDES = {
  'pe-fabrikam-web': 'Approved',
  'pe-tailwind-web': 'Rejected',
  'pe-northwind-web': 'Pending',
  'pe-fabrikam-api': 'Approved',
} as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the dashboard left open while the lab decides (lab/short-scenario.yaml)', () => {
  let build: LabBuild;
  let launched: LaunchedBrowser | undefined;
  let lab: LabProcess | undefined;
  let port = 0;
  let workDir = '';
  let scenarioFile = '';

  beforeAll(async () => {
    if (!chromiumAvailable()) throw new Error(INSTALL_HINT);
    [build, launched, port] = await Promise.all([buildLab(), launchChromium(), freePort()]);
    workDir = mkdtempSync(join(tmpdir(), 'plg-dashboard-lab-'));
    const scenario = parse(readFileSync(join(ROOT, 'lab', 'short-scenario.yaml'), 'utf8')) as {
      consumers: { connectAfterSeconds: number }[];
    };
    for (const consumer of scenario.consumers) consumer.connectAfterSeconds += CONNECT_DELAY_SECONDS;
    scenarioFile = join(workDir, 'short-later.yaml');
    writeFileSync(scenarioFile, stringify(scenario));
  }, 600_000);

  afterAll(async () => {
    await launched?.close();
    await lab?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('follows the policy and a decision made elsewhere without a reload; the count stays true; axe-clean and no overflow on real data', async () => {
    const running = spawnLab(build, { scenario: scenarioFile, port, stateFile: join(workDir, 'lab.json') });
    lab = running;
    const deadline = Date.now() + 120_000;
    while (!running.stdout().includes('local host ready')) {
      if (running.child.exitCode !== null) throw new Error(`the lab ended early: ${running.stderr()}`);
      if (Date.now() > deadline) throw new Error(`no ready line: ${running.stdout()}${running.stderr()}`);
      await sleep(250);
    }
    const base = `http://127.0.0.1:${port}`;
    const browser = launched?.browser;
    if (browser === undefined) throw new Error('Chromium is not started');

    const context = await contextAs(browser, 'dev');
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(`${base}/api/dashboard`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    await page.evaluate('window.__sameDocument = true');

    /** endpoint → connection name, from the API (the page shows names; the scenario speaks of endpoints). */
    const connections = async () =>
      (await parseBody(connectionListSchema, await fetch(`${base}/api/connections?limit=200`))).items;
    const endpointOf = (id: string | null) => id?.split('/').at(-1) ?? '';
    /** What the page's table says of each connection the API knows: `endpoint=status` (absent: `-`). */
    const shown = async (target: Page) => {
      const rows = await target.$$eval('#connections-body tr[data-connection]', (trs) =>
        trs.map((tr) => [tr.getAttribute('data-connection') ?? '', tr.getAttribute('data-status') ?? '']),
      );
      const statusOf = new Map(rows.map(([name, status]) => [name, status]));
      const result: Record<string, string> = {};
      for (const c of await connections())
        result[endpointOf(c.privateEndpointId)] = statusOf.get(c.name) ?? '-';
      return result;
    };
    const waiting = async () =>
      (await page.isVisible('#waiting')) ? ((await page.textContent('#waiting')) ?? '') : 'nothing waits';

    // Opened before the policy decided anything: no decided connection on the first view.
    const first = await page.$$eval('#connections-body tr[data-connection]', (trs) =>
      trs.map((tr) => tr.getAttribute('data-status')),
    );
    expect(
      first.filter((status) => status !== 'Pending'),
      'decided rows on the first view',
    ).toEqual([]);

    // The policy decides (timer and event); the open page follows, and the count says Northwind waits.
    await expect.poll(() => shown(page), FOLLOWS).toEqual(POLICY_DECIDES);
    await expect.poll(waiting, FOLLOWS).toBe('1 connection waits for you');

    // Someone else approves Northwind (curl, the runbook): the row and the count follow.
    const northwind = (await connections()).find(
      (c) => endpointOf(c.privateEndpointId) === 'pe-northwind-web',
    );
    if (northwind === undefined) throw new Error('no Northwind connection');
    const response = await fetch(`${base}/api/connections/${northwind.pls.name}/${northwind.name}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'Approved from the runbook, elsewhere' }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    await expect
      .poll(() => shown(page), FOLLOWS)
      .toEqual({ ...POLICY_DECIDES, 'pe-northwind-web': 'Approved' });
    await expect.poll(waiting, FOLLOWS).toBe('nothing waits');
    await expect.poll(() => page.textContent('#audit-body'), FOLLOWS).toContain('Approved from the runbook');
    await expect(page.evaluate<boolean>('window.__sameDocument === true')).resolves.toBe(true);

    // The lab's real data, every view: no axe-core violations and no sideways scrolling.
    for (const viewport of [
      { width: 1280, height: 900 },
      { width: 390, height: 844 },
    ])
      for (const scheme of ['light', 'dark'] as const) {
        const view = `${viewport.width}px ${scheme}`;
        await page.setViewportSize(viewport);
        await page.emulateMedia({ colorScheme: scheme });
        if (!(await page.evaluate<boolean>('typeof window.axe === "object"')))
          await page.evaluate(AXE_SOURCE);
        const violations = await page.evaluate<unknown[]>(`axe
          .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
          .then((r) => r.violations.map((v) => ({ id: v.id, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) })))`);
        expect(violations, view).toEqual([]);
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - document.documentElement.clientWidth',
        );
        expect(overflow, view).toBeLessThanOrEqual(0);
      }
    expect(problems.consoleErrors, 'console errors').toEqual([]);
    expect(problems.failedRequests, 'failed requests').toEqual([]);
    await context.close();
  }, 240_000);
});
