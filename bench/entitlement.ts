/*
 * What the entitlement check costs a reconciliation: the signature alone, one ask against the lab's
 * stand-in customer system on loopback (sign, POST, the server's verification, the answer's schema),
 * one PLS's asks against a system that takes 50 ms per answer (the run's concurrency at work), and
 * the worst cases, a dead system (three attempts with backoff) and a silent one (the timeout, not
 * retried). Everything on 127.0.0.1; the stand-in is the lab's own (scripts/lab/customer-system.ts).
 * Prints figures, then one JSON line.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { loadCustomerTable, startCustomerSystem } from '../scripts/lab/customer-system';
import { createEntitlementClient } from '../shared/approval/adapters/entitlement-client';
import { parsePolicy } from '../shared/approval/adapters/policy-loader';
import { type CapturedConnection, captureConnection } from '../shared/approval/core/captured-connection';
import type { EntitlementSubject } from '../shared/approval/core/entitlement';
import { entitlementSignature } from '../shared/approval/core/entitlement-signature';
import { askEntitlements } from '../shared/approval/use-cases/entitlement-check';
import { systemClock } from '../shared/clock';
import { silentLog } from '../shared/log';
import { median, quantile } from './stats';

const ROOT = `${__dirname}/../..`;
const PLS =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-provider/providers/Microsoft.Network/privateLinkServices/pls-saas';
const ADATUM = '55555555-5555-5555-5555-555555555555';
const never = new AbortController().signal;

const subject = (n: number): EntitlementSubject => ({
  connectionId: `${PLS}/privateEndpointConnections/pe-${n}.1`,
  connectionName: `pe-${n}.1`,
  plsId: PLS,
  plsName: 'pls-saas',
  consumerTenantId: 'eeeeeeee-0000-0000-0000-000000000005',
  consumerSubscriptionId: ADATUM,
  privateEndpointId: `/subscriptions/${ADATUM}/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe-${n}`,
  privateEndpointName: `pe-${n}`,
  privateEndpointResourceGroup: 'rg',
  privateEndpointLocation: 'westeurope',
  requestMessage: 'Adatum onboarding to the SaaS service',
});

const capture = (n: number): CapturedConnection =>
  captureConnection(
    {
      id: `${PLS}/privateEndpointConnections/pe-${n}.1`,
      name: `pe-${n}.1`,
      plsId: PLS,
      privateEndpointId: subject(n).privateEndpointId,
      privateEndpointLocation: 'westeurope',
      status: 'Pending',
      description: 'Adatum onboarding to the SaaS service',
      actionsRequired: undefined,
      linkIdentifier: undefined,
      provisioningState: 'Succeeded',
      etag: undefined,
    },
    { consumerTenantId: 'eeeeeeee-0000-0000-0000-000000000005' },
  );

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/entitlement`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

const ms = (v: number) => `${v.toFixed(2)} ms`;

async function main(): Promise<void> {
  const secret = 'bench-entitlement-signing-key-0123456789';
  const body = JSON.stringify({ pad: 'x'.repeat(700) });

  // 1. The signature alone: HMAC-SHA256 over a body the size of a real request.
  const SIGN_RUNS = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < SIGN_RUNS; i++) entitlementSignature(secret, 1_800_000_000 + i, body);
  const signMicros = ((performance.now() - t0) * 1000) / SIGN_RUNS;

  // 2. One ask against the lab's customer system (answers at once), after a warm-up.
  const system = await startCustomerSystem(
    await loadCustomerTable('lab/customers.yaml', ROOT),
    () => undefined,
    {
      secret,
    },
  );
  const client = (url: string, timeoutMs = 5_000) =>
    createEntitlementClient({ url: new URL(url), secret, timeoutMs, clock: systemClock });
  const instant = client(system.url);
  for (let i = 0; i < 50; i++) await instant.ask(subject(i), never);
  const ASKS = 300;
  const askMs: number[] = [];
  for (let i = 0; i < ASKS; i++) {
    const t = performance.now();
    const fact = await instant.ask(subject(i), never);
    askMs.push(performance.now() - t);
    if (fact.outcome !== 'answered') throw new Error(`the stand-in did not answer: ${JSON.stringify(fact)}`);
  }
  await system.stop();

  // 3. One PLS with 40 connections to ask, against a system that takes 50 ms per answer.
  const DELAY_MS = 50;
  const CONNECTIONS = 40;
  const slowish = createServer((_req, res) => {
    _req.resume();
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ decision: 'approve', customer: 'Adatum Corporation' }));
    }, DELAY_MS);
  });
  const slowUrl = await listen(slowish);
  const policy = parsePolicy(
    'version: 1\ndefault: { action: manual }\nrules:\n  - name: saas\n    action: entitlement\n    match: { privateLinkService: pls-saas }\n',
  );
  const captures = Array.from({ length: CONNECTIONS }, (_, n) => capture(n));
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    const answers = await askEntitlements(
      { entitlement: client(slowUrl), clock: systemClock },
      policy,
      captures,
      {
        log: silentLog,
      },
    );
    runs.push(performance.now() - t);
    if (answers.size !== CONNECTIONS) throw new Error('not every connection was asked');
  }
  await close(slowish);

  // 4. Worst cases: a dead system (refused, three attempts with backoff) and a silent one (1 s timeout).
  const dead = createServer();
  const deadUrl = await listen(dead);
  await close(dead);
  const deadMs: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await client(deadUrl).ask(subject(i), never);
    deadMs.push(performance.now() - t);
  }
  const silent = createServer(() => undefined);
  const silentUrl = await listen(silent);
  const silentMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await client(silentUrl, 1_000).ask(subject(i), never);
    silentMs.push(performance.now() - t);
  }
  await close(silent);

  const results = {
    signMicros,
    ask: { median: median(askMs), p95: quantile(askMs, 0.95), runs: ASKS },
    plsRun: { connections: CONNECTIONS, serverDelayMs: DELAY_MS, medianMs: median(runs), runs: runs.length },
    deadAsk: { median: median(deadMs), runs: deadMs.length },
    silentAsk: { timeoutMs: 1_000, median: median(silentMs), runs: silentMs.length },
  };
  console.log(`signature (HMAC-SHA256, ~700 B body): ${signMicros.toFixed(1)} µs`);
  console.log(
    `one ask, lab customer system on loopback: median ${ms(results.ask.median)}, p95 ${ms(results.ask.p95)} (${ASKS} asks)`,
  );
  console.log(
    `one PLS, ${CONNECTIONS} connections, system answering in ${DELAY_MS} ms: median ${ms(results.plsRun.medianMs)} per run (${runs.length} runs; serial would be ${CONNECTIONS * DELAY_MS} ms)`,
  );
  console.log(`dead system (refused, 3 attempts with backoff): median ${ms(results.deadAsk.median)} per ask`);
  console.log(`silent system (timeout 1 s, not retried): median ${ms(results.silentAsk.median)} per ask`);
  console.log(
    JSON.stringify({
      bench: 'entitlement',
      at: new Date().toISOString(),
      machine: {
        node: process.version,
        cpus: availableParallelism(),
        cpu: cpus()[0]?.model ?? 'unknown',
        loadavg: loadavg().map((l) => Math.round(l * 10) / 10),
      },
      ...results,
    }),
  );
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
