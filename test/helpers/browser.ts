import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { principalHeader, type Role } from './principals';

/**
 * Real headless Chromium driven by playwright-core, and the app's HTTP functions served over real
 * HTTP by the foundation's local host. Playwright's own browser download does not work on these
 * machines, so the browser is a system Chromium when one is installed, and otherwise the binary the
 * npm package `@sparticuz/chromium` ships (so `npm ci && npm test` needs nothing but Node and npm).
 */

const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

const NODE_MODULES = join(__dirname, '..', '..', 'node_modules');
const NPM_CHROMIUM_PACKAGE = join(NODE_MODULES, '@sparticuz', 'chromium');
/** Where the npm package's binary is unpacked: inside node_modules, one folder per package version. */
const NPM_CHROMIUM_CACHE = join(NODE_MODULES, '.cache', 'sparticuz-chromium');

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

export const INSTALL_HINT = `No Chromium was found: CHROMIUM_PATH is unset, none of ${SYSTEM_CHROMIUM.join(', ')} exists,
and the npm package @sparticuz/chromium (a devDependency) is missing or could not be unpacked.
Run \`npm ci\` (or set CHROMIUM_PATH to a Chromium/Chrome binary). The dashboard browser tests do not skip.`;

/** A system browser: CHROMIUM_PATH first, then the usual install locations. */
function systemChromium(): string | undefined {
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit !== undefined && explicit !== '') return explicit;
  return SYSTEM_CHROMIUM.find((path) => existsSync(path));
}

function npmChromiumInstalled(): boolean {
  return existsSync(join(NPM_CHROMIUM_PACKAGE, 'bin', 'chromium.br'));
}

export function chromiumAvailable(): boolean {
  return systemChromium() !== undefined || npmChromiumInstalled();
}

/**
 * Unpacks @sparticuz/chromium's binary (about 2 s the first time). The package unpacks into
 * `os.tmpdir()` and trusts whatever it finds there, so two test files (or two checkouts) unpacking
 * at once could launch a half-written binary: each unpacks into its own staging folder and renames
 * it into place, which is atomic; the loser of the race throws its copy away.
 */
async function npmChromium(): Promise<string> {
  const { version } = JSON.parse(readFileSync(join(NPM_CHROMIUM_PACKAGE, 'package.json'), 'utf8')) as {
    version: string;
  };
  const final = join(NPM_CHROMIUM_CACHE, version);
  const binary = join(final, 'chromium');
  if (existsSync(binary)) return binary;
  const staging = join(NPM_CHROMIUM_CACHE, `staging-${process.pid}-${Date.now()}`);
  mkdirSync(staging, { recursive: true });
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  try {
    const { default: Chromium } = await import('@sparticuz/chromium');
    await Chromium.executablePath();
  } finally {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
  }
  try {
    renameSync(staging, final);
  } catch {
    rmSync(staging, { recursive: true, force: true });
  }
  if (!existsSync(binary)) throw new Error(INSTALL_HINT);
  return binary;
}

/** The browser binary the tests launch, and which kind it is (said in failures and bench output). */
export async function resolveChromium(): Promise<{ path: string; source: 'system' | 'npm' }> {
  const system = systemChromium();
  if (system !== undefined) return { path: system, source: 'system' };
  if (!npmChromiumInstalled()) throw new Error(INSTALL_HINT);
  return { path: await npmChromium(), source: 'npm' };
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
  const { path } = await resolveChromium();
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: path,
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
  // Chromium reports a 304 (the dashboard's conditional polls) as answered, then as a failed load
  // (net::ERR_ABORTED: there is no body to load); the page itself gets the 304. Not a problem.
  const notModified = new WeakSet<object>();
  page.on('requestfailed', (request) => {
    if (notModified.has(request)) return;
    problems.failedRequests.push(
      `${request.method()} ${request.url()}: ${request.failure()?.errorText ?? 'failed'}`,
    );
  });
  page.on('response', (response) => {
    if (response.status() === 304) notModified.add(response.request());
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
