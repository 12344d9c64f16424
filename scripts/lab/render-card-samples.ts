import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NotifyEvent } from '../../shared/notify/core/notify-events';
import { adaptiveCard } from '../../shared/notify/core/payloads';

/**
 * Renders the Teams payload's Adaptive Cards with the `adaptivecards` renderer in headless Chromium
 * (Debian's chromium, as the dashboard tests use; CHROMIUM_PATH overrides) into docs/img/, so the
 * docs show what a channel will show. Run: `npm run build:tsc && node dist/scripts/lab/render-card-samples.js`.
 */
const ROOT = resolve(__dirname, '..', '..', '..');
const PLS =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-provider/providers/Microsoft.Network/privateLinkServices/pls-web';
const CONNECTION = `${PLS}/privateEndpointConnections/pe-northwind-web.6c1e9a52-0d8e-4f0f-9a57-2f9d3b1f4c11`;

const SAMPLES: Record<string, NotifyEvent> = {
  'teams-card-connection-pending': {
    id: '5f1c0e6a9b2d4c7e8a1f3b5d7c9e0a2b',
    type: 'connection.pending',
    at: '2026-12-01T09:00:00.000Z',
    subject: CONNECTION,
    facts: {
      plsId: PLS,
      plsName: 'pls-web',
      connectionId: CONNECTION,
      connectionName: 'pe-northwind-web.6c1e9a52-0d8e-4f0f-9a57-2f9d3b1f4c11',
      endpointName: 'pe-northwind-web',
      consumerSubscriptionId: '22222222-2222-2222-2222-222222222222',
      consumerTenantId: 'bbbbbbbb-2222-4222-8222-000000000002',
      requestMessage: 'Northwind web tier, change CHG0001234',
      reason: 'no rule matched; default is manual',
      statusBefore: 'Pending',
    },
  },
  'teams-card-probe-down': {
    id: '9a8b7c6d5e4f30211203f4e5d6c7b8a9',
    type: 'probe.down',
    at: '2026-12-01T10:02:00.150Z',
    subject: 'iis-northwind',
    facts: {
      targetId: 'iis-northwind',
      targetName: 'IIS through pe-northwind-web',
      from: 'UP',
      to: 'DOWN',
      reason:
        '3 consecutive failure(s) (failureThreshold 3): TCP_TIMEOUT in tcp (ETIMEDOUT); connection Approved',
      connectionState: 'Approved',
      failureClass: 'TCP_TIMEOUT',
      phase: 'tcp',
      code: 'ETIMEDOUT',
    },
  },
};

async function main(): Promise<void> {
  const { chromium } = await import('playwright-core');
  const renderer = readFileSync(
    join(ROOT, 'node_modules', 'adaptivecards', 'dist', 'adaptivecards.min.js'),
    'utf8',
  );
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 560, height: 800 }, deviceScaleFactor: 2 });
    for (const [name, event] of Object.entries(SAMPLES)) {
      const card = adaptiveCard(event, {
        source: '/private-link-gatekeeper/func-gatekeeper-prod',
        dashboardUrl: 'https://func-gatekeeper-prod.azurewebsites.net/api/dashboard',
      });
      await page.setContent(
        `<!doctype html><html><head><style>body{margin:0;padding:16px;background:#f5f5f5;font-family:"Segoe UI",sans-serif}#card{background:#fff;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.2);width:520px}</style></head><body><div id="card"></div><script>${renderer}</script></body></html>`,
      );
      // A string, so this file needs no DOM typings: it runs in the page, where the renderer defined AdaptiveCards.
      await page.evaluate(
        `(() => { const c = new AdaptiveCards.AdaptiveCard(); c.parse(${JSON.stringify(card)}); document.getElementById('card').appendChild(c.render()); })()`,
      );
      const out = join(ROOT, 'docs', 'img', `${name}.png`);
      writeFileSync(out, await page.locator('#card').screenshot());
      process.stdout.write(`${out}\n`);
    }
  } finally {
    await browser.close();
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
