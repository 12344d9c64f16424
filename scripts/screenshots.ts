/*
 * `npm run screenshots`: the dashboard pictures in docs/img, taken from the local lab playing
 * lab/default-scenario.yaml, not from seeded test data, so they show what a new user sees. It runs
 * `npm run local` (build, package, the staged package served like `func start`), waits for the
 * scenario's moments, captures every view in headless Chromium (desktop 1280×900 and phone 390×844,
 * light and dark), and stops the lab by the process id its state file names.
 *
 *   during the IIS outage (+100 s … +130 s): the page from the top on a desk and on a phone, the tiles,
 *     the latency chart and the incidents (an ongoing incident next to endpoints waiting or rejected);
 *   after the two-person and expiry steps (+145 s): the connections and the audit trail.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { z } from 'zod';
import { freePort } from '../emulators/azurite';
import { CHROMIUM_ARGS, resolveChromium } from '../test/helpers/browser';
import { type LabState, readLabState } from './lab/lab-state';
import { SCENARIO_SETTINGS } from './lab/scenario';

/** dist/tools/screenshots.js → the repository. */
const ROOT = join(__dirname, '..', '..');
const SHOTS = join(ROOT, 'docs', 'img');
const SCENARIO = 'lab/default-scenario.yaml';
const SECTIONS_IN_OUTAGE = ['status', 'latency', 'incidents'] as const;
const SECTIONS_AT_END = ['connections', 'audit'] as const;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const SCHEMES = ['light', 'dark'] as const;
/** About three phone screens. */
const MAX_PAGE_HEIGHT = 2_600;
/** The build and package steps of `npm run local` take minutes on a busy machine. */
const READY_TIMEOUT_MS = 15 * 60_000;
/** The scenario's last step (the expiry at +145 s), with room for a slow reconciliation. */
const SCENARIO_TIMEOUT_MS = 240_000;

const connectionsSchema = z.object({
  items: z.array(z.object({ status: z.string(), privateEndpointId: z.string().nullable() })),
});
const summarySchema = z.object({
  targets: z.array(
    z.object({
      /** up, down (a real failure), awaiting-approval, rejected, maintenance (the tiles' words). */
      condition: z.string(),
    }),
  ),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (line: string) => process.stdout.write(`screenshots: ${line}\n`);

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (problem) {
      last = problem;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not within ${timeoutMs / 1000} s${last === undefined ? '' : ` (${String(last)})`}`,
      );
    await sleep(1_000);
  }
}

async function getJson<T>(schema: z.ZodType<T>, url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return schema.parse(await response.json());
}

/** `npm run local` on a free port, with its own state file; resolves when the host says it is ready. */
async function startLab(stateFile: string): Promise<{ child: ChildProcess; state: LabState }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, LOCAL_PORT: String(port), LAB_STATE_FILE: stateFile };
  for (const name of SCENARIO_SETTINGS) delete env[name];
  const child = spawn('npm', ['run', 'local', '--', '--scenario', SCENARIO, '--quiet'], {
    cwd: ROOT,
    env,
    shell: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  say(`building and starting the lab (${SCENARIO}) on port ${port}`);
  await until('the lab ready line', READY_TIMEOUT_MS, async () => {
    if (child.exitCode !== null) throw new Error(`npm run local ended (${child.exitCode}):\n${output}`);
    return output.includes('local host ready') ? true : undefined;
  }).catch((problem: unknown) => {
    child.kill('SIGTERM');
    throw problem;
  });
  const state = readLabState(stateFile);
  if (state === undefined) throw new Error(`the lab is ready but wrote no state file at ${stateFile}`);
  say(`lab ready (pid ${state.pid}), dashboard at ${state.dashboardUrl}`);
  return { child, state };
}

/** SIGTERM to the lab's process id (the host stops Azurite and the stand-ins), SIGKILL if it hangs. */
async function stopLab(child: ChildProcess, pid: number): Promise<void> {
  const ended = new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(undefined);
    else child.once('exit', resolve);
  });
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  await Promise.race([ended, sleep(30_000)]);
  try {
    process.kill(pid, 0);
    process.kill(pid, 'SIGKILL');
  } catch {
    // ended
  }
}

/** A fresh page on the dashboard, as the lab's developer identity, loaded and with its tables drawn. */
async function openDashboard(
  browser: Browser,
  url: string,
  viewport: { width: number; height: number },
  colorScheme: 'light' | 'dark',
): Promise<Page> {
  const context = await browser.newContext({ viewport, colorScheme, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  await page.waitForSelector('#connections-body table', { timeout: 30_000 });
  await page.waitForSelector('#latency-chart[data-points]', { timeout: 30_000 }).catch(() => undefined);
  await page.evaluate('window.scrollTo(0, 0)');
  return page;
}

/**
 * A whole-page picture, cut at `MAX_PAGE_HEIGHT`: with ten connections and the audit trail the
 * lab's page is several metres long on a phone, and a picture that long shows nothing in a README.
 */
async function capturePage(page: Page, path: string): Promise<void> {
  const height = await page.evaluate<number>('document.documentElement.scrollHeight');
  const width = page.viewportSize()?.width ?? DESKTOP.width;
  await page.screenshot({
    path,
    fullPage: true,
    clip: { x: 0, y: 0, width, height: Math.min(height, MAX_PAGE_HEIGHT) },
  });
}

/**
 * One view of the page, cut from a whole-page picture rather than scrolled to: scrolled to, the
 * sticky header would cover the top of the view.
 */
async function captureSection(page: Page, section: string, path: string): Promise<void> {
  const box = await page.evaluate<{ x: number; y: number; width: number; height: number }>(
    `(() => { const r = document.getElementById(${JSON.stringify(section)}).getBoundingClientRect();
      return { x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height }; })()`,
  );
  await page.screenshot({ path, fullPage: true, clip: box });
}

async function captureOutage(browser: Browser, url: string): Promise<void> {
  for (const scheme of SCHEMES) {
    const desk = await openDashboard(browser, url, DESKTOP, scheme);
    // The light desktop picture is the README's: the page from the top; the dark one, the first screen.
    if (scheme === 'light') await capturePage(desk, join(SHOTS, `dashboard-desktop-${scheme}.png`));
    else await desk.screenshot({ path: join(SHOTS, `dashboard-desktop-${scheme}.png`) });
    for (const section of SECTIONS_IN_OUTAGE)
      await captureSection(desk, section, join(SHOTS, `dashboard-${section}-${scheme}.png`));
    await desk.context().close();
    const phone = await openDashboard(browser, url, PHONE, scheme);
    await capturePage(phone, join(SHOTS, `dashboard-phone-${scheme}.png`));
    await phone.context().close();
  }
}

async function captureEnd(browser: Browser, url: string): Promise<void> {
  for (const scheme of SCHEMES) {
    const desk = await openDashboard(browser, url, DESKTOP, scheme);
    for (const section of SECTIONS_AT_END)
      await captureSection(desk, section, join(SHOTS, `dashboard-${section}-${scheme}.png`));
    await desk.context().close();
  }
}

const endpointOf = (id: string | null) => id?.split('/').at(-1) ?? '';

async function main(): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const stateDir = mkdtempSync(join(tmpdir(), 'plg-screenshots-'));
  const { path: chromiumPath } = await resolveChromium();
  const { chromium } = await import('playwright-core');
  const { child, state } = await startLab(join(stateDir, 'lab.json'));
  const readyAt = Date.now();
  const stop = () => void stopLab(child, state.pid);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  try {
    const api = state.baseUrl.replace(/\/$/, '');
    // The policy's decisions (+5 s … +45 s): Tailwind rejected, Northwind and Wingtip waiting.
    await until('the policy decisions', SCENARIO_TIMEOUT_MS, async () => {
      const { items } = await getJson(connectionsSchema, `${api}/api/connections?limit=200`);
      const status = (pe: string) => items.find((c) => endpointOf(c.privateEndpointId) === pe)?.status;
      return status('pe-tailwind-web') === 'Rejected' && status('pe-wingtip-web') === 'Pending'
        ? true
        : undefined;
    });
    say(`policy decisions seen at +${Math.round((Date.now() - readyAt) / 1000)} s`);
    // The IIS outage (+100 s for 30 s): endpoints behind IIS really down (not waiting or rejected).
    await until('the IIS outage', SCENARIO_TIMEOUT_MS, async () => {
      const { targets } = await getJson(summarySchema, `${api}/api/probes/summary`);
      const failing = targets.filter((t) => t.condition === 'down');
      return failing.length >= 2 ? true : undefined;
    });
    say(
      `IIS outage seen at +${Math.round((Date.now() - readyAt) / 1000)} s: capturing the page and the tiles`,
    );
    await captureOutage(browser, state.dashboardUrl);
    // Two people approved Fabrikam's payments connection; Litware's minute of access ended (removed).
    await until('the two-person and expiry steps', SCENARIO_TIMEOUT_MS, async () => {
      const { items } = await getJson(connectionsSchema, `${api}/api/connections?limit=200`);
      const status = (pe: string) => items.find((c) => endpointOf(c.privateEndpointId) === pe)?.status;
      // Litware has no row before it connects (+70 s) either: only after +145 s does "none" mean removed.
      const afterExpiry = Date.now() - readyAt > 145_000;
      return afterExpiry && status('pe-fabrikam-pay') === 'Approved' && status('pe-litware-web') === undefined
        ? true
        : undefined;
    });
    say(
      `two-person and expiry steps seen at +${Math.round((Date.now() - readyAt) / 1000)} s: capturing the connections and the audit`,
    );
    await captureEnd(browser, state.dashboardUrl);
    say(`done: docs/img/dashboard-*.png`);
  } finally {
    await browser.close();
    await stopLab(child, state.pid);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((problem: unknown) => {
  process.stderr.write(`screenshots: ${problem instanceof Error ? problem.message : String(problem)}\n`);
  process.exitCode = 1;
});
