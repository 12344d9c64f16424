import { afterAll, beforeAll } from 'vitest';
import { buildDashboard } from '../../dashboard/build';
import type { LocalHost } from '../../scripts/local-host/local-host';
import { setContainer } from '../../shared/composition-root';
import { chromiumAvailable, INSTALL_HINT, type LaunchedBrowser, launchChromium } from './browser';
import { serveHttpFunctions } from './http-functions';

/**
 * One file's dashboard world in real Chromium: `seed` installs the container (and its data), then
 * the dashboard is built, the HTTP functions are served by the local host and Chromium starts;
 * all of it is stopped after the file. Without a Chromium the file fails with the install hint.
 */
export function useDashboardPage(seed: () => Promise<void>): {
  readonly host: LocalHost;
  readonly launched: LaunchedBrowser;
} {
  let host: LocalHost | undefined;
  let launched: LaunchedBrowser | undefined;
  beforeAll(async () => {
    if (!chromiumAvailable()) throw new Error(INSTALL_HINT);
    await seed();
    [, host, launched] = await Promise.all([buildDashboard(), serveHttpFunctions(), launchChromium()]);
  }, 90_000);
  afterAll(async () => {
    await launched?.close();
    await host?.stop();
    setContainer(undefined);
  });
  return {
    get host() {
      if (host === undefined) throw new Error('the dashboard host is not started (used outside a test?)');
      return host;
    },
    get launched() {
      if (launched === undefined) throw new Error('Chromium is not started (used outside a test?)');
      return launched;
    },
  };
}
