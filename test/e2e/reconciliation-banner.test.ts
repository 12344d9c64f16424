import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { reconcileConnections } from '../../functions/reconcileConnections';
import { setContainer } from '../../shared/composition-root';
import { armTestContainer, plsIdOf, privateEndpointIdOf, useArmEmulator } from '../helpers/arm-emulator';
import { contextAs } from '../helpers/browser';
import { useDashboardPage } from '../helpers/dashboard-page';

/**
 * The dashboard's problems banner in real Chromium when reconciliation fails: ARM (the emulator)
 * answers 503 to every connection list, the timer runs, and the page names the failed PLS and the
 * invocation whose log has the rest; after a run that works the banner is gone.
 */

const PLS = plsIdOf('pls-web');
const timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};
const SELECTOR = '#problems [data-problem="approval.reconciliation"]';

const arm = useArmEmulator();

const dashboard = useDashboardPage(async () => {
  arm.emulator.world.addPrivateLinkService({ id: PLS });
  arm.emulator.world.addConnection({
    plsId: PLS,
    privateEndpointId: privateEndpointIdOf('c9000000-0000-4000-8000-000000000001', 'pe-web'),
    requestMessage: 'CHG0001234',
  });
  setContainer(
    armTestContainer(arm.emulator, [PLS], {
      AUTH_MODE: 'dev',
      APPROVAL_POLICY: 'version: 1\nrules: []\ndefault:\n  action: manual\n',
    }),
  );
});

async function runTimer(id: string): Promise<void> {
  await reconcileConnections.handler(
    timer,
    new InvocationContext({ invocationId: id, logHandler: () => {} }),
  );
}

describe('problems banner: reconciliation', () => {
  it('shows a failing reconciliation with the failed PLS and where to read the rest, and clears after a good run', async () => {
    arm.emulator.faults.rate({ kind: 'connection.list' }, 1, [{ type: 'status', status: 503 }]);
    await runTimer('timer-failing');
    const context = await contextAs(dashboard.launched.browser, 'dev');
    const page = await context.newPage();
    await page.goto(`${dashboard.host.url}/api/dashboard`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
    await page.waitForSelector(SELECTOR, { timeout: 15_000 });
    const line = (await page.textContent(SELECTOR)) ?? '';
    expect(line).toContain('Reconciliation:');
    expect(line).toContain('could not reconcile 1 of 1 Private Link Services (arm_unavailable)');
    expect(line).toContain('invocation timer-failing');
    expect(line).toContain('pls-web');
    await expect(page.textContent('#problems')).resolves.toContain('GET /api/health');
    expect(await page.isVisible('#problems')).toBe(true);

    arm.emulator.faults.clear();
    await runTimer('timer-ok');
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
    await page.waitForSelector('#problems', { state: 'hidden', timeout: 15_000 });
    expect(await page.$(SELECTOR)).toBeNull();
    await context.close();
  }, 90_000);
});
