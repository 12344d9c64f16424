import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { principalHeader, type Role } from './principals';

/**
 * Real headless Chromium (Debian's `chromium` package) driven by playwright-core, and the app's
 * HTTP functions served over real HTTP by the foundation's local host. Playwright's own browser
 * download does not work on these machines, so the browser must come from the system.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

export const INSTALL_HINT = `Chromium was not found at ${CHROMIUM_PATH}. Install it with:
  sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium
(or set CHROMIUM_PATH to a Chromium/Chrome binary). The dashboard browser tests do not skip: CI must have it.`;

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export interface LaunchedBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

/**
 * One browser per test file. playwright's launch() gives the browser a fresh temporary profile
 * (user data dir) of its own and deletes it on close; every context is a fresh incognito-like
 * session on top, so roles never share cookies or storage.
 */
export async function launchChromium(): Promise<LaunchedBrowser> {
  if (!chromiumAvailable()) throw new Error(INSTALL_HINT);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
  return { browser, close: () => browser.close() };
}

export interface PageProblems {
  readonly consoleErrors: string[];
  readonly failedRequests: string[];
}

/**
 * Records what must never happen on the dashboard: console errors (CSP violations land here too),
 * requests that fail on the network, and responses with an error status.
 */
export function watchProblems(page: Page): PageProblems {
  const problems: PageProblems = { consoleErrors: [], failedRequests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') problems.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => problems.consoleErrors.push(`pageerror: ${error.message}`));
  page.on('requestfailed', (request) =>
    problems.failedRequests.push(
      `${request.method()} ${request.url()}: ${request.failure()?.errorText ?? 'failed'}`,
    ),
  );
  page.on('response', (response) => {
    if (response.status() >= 400)
      problems.failedRequests.push(
        `${response.request().method()} ${response.url()}: HTTP ${response.status()}`,
      );
  });
  return problems;
}

/** A browser context whose every request carries the role's principal, as App Service Authentication would add it. */
export async function contextAs(
  browser: Browser,
  role: Role | 'dev',
  viewport = { width: 1280, height: 900 },
  colorScheme: 'light' | 'dark' = 'light',
): Promise<BrowserContext> {
  return browser.newContext({
    viewport,
    colorScheme,
    deviceScaleFactor: 1,
    ...(role === 'dev' ? {} : { extraHTTPHeaders: { 'x-ms-client-principal': principalHeader(role) } }),
  });
}
