import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CustomerSystem,
  loadCustomerTable,
  startCustomerSystem,
} from '../../../../scripts/lab/customer-system';
import { reconcileAll } from '../../../../shared/approval/use-cases/reconcile-all';
import type { Container } from '../../../../shared/composition-root';
import {
  armTestContainer,
  plsIdOf,
  privateEndpointIdOf,
  useArmEmulatorPerTest,
} from '../../../helpers/arm-emulator';
import { collectLog, servicesAndPolicy } from './approval-world';

/*
 * The entitlement check end to end: the reconciliation asks the lab's stand-in customer system (a
 * real HTTP server that verifies the signature) through the real client, against the ARM emulator
 * and Azurite. Its answers decide; anything else leaves the connection for a person, with the
 * reason in the audit, and the signing secret appears in no log line, row or ARM description.
 */

const ROOT = `${__dirname}/../../../..`;
const ADATUM_SUB = '55555555-5555-5555-5555-555555555555';
const WOODGROVE_SUB = '66666666-6666-6666-6666-666666666666';
const UNKNOWN_SUB = '77777777-7777-4777-8777-777777777777';
const SECRET = 'test-entitlement-secret-fedcba9876543210';

const POLICY = `
version: 1
default: { action: manual }
rules:
  - name: saas-customers
    action: entitlement
    match: { privateLinkService: pls-saas }
`;

const emulators = useArmEmulatorPerTest();
const systems: CustomerSystem[] = [];
afterEach(async () => {
  for (const s of systems.splice(0)) await s.stop();
});

async function world(systemSecret: string) {
  const emulator = await emulators.start();
  const plsId = plsIdOf('pls-saas');
  emulator.world.addPrivateLinkService({ id: plsId });
  const connect = (sub: string, pe: string) =>
    emulator.world.addConnection({
      plsId,
      privateEndpointId: privateEndpointIdOf(sub, pe),
      requestMessage: `${pe} onboarding`,
    }).name;
  const names = {
    adatum: connect(ADATUM_SUB, 'pe-adatum'),
    woodgrove: connect(WOODGROVE_SUB, 'pe-woodgrove'),
    unknown: connect(UNKNOWN_SUB, 'pe-unknown'),
  };
  const said: string[] = [];
  const system = await startCustomerSystem(
    await loadCustomerTable('lab/customers.yaml', ROOT),
    (l) => said.push(l),
    {
      secret: systemSecret,
    },
  );
  systems.push(system);
  const container = armTestContainer(emulator, [plsId], {
    APPROVAL_POLICY: POLICY,
    ENTITLEMENT_URL: system.url,
    ENTITLEMENT_SIGNING_KEY: SECRET,
    ENTITLEMENT_TIMEOUT_SECONDS: '2',
  });
  const status = (name: string) => emulator.world.connection(plsId, name)?.status;
  const description = (name: string) => emulator.world.connection(plsId, name)?.description;
  return { emulator, plsId, names, system, container, status, description, said };
}

async function run(container: Container, plsId: string) {
  const { services, policy } = await servicesAndPolicy(container);
  const { entries, log } = collectLog();
  const summary = await reconcileAll(services, policy, [plsId], 1, {
    trigger: 'timer',
    correlationId: 'ent-1',
    log,
  });
  return { entries, summary };
}

async function allRows(container: Container): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const name of ['Audit', 'AuditByTime']) {
    const table = await container.table(name);
    for await (const row of table.listEntities<Record<string, unknown>>()) rows.push(row);
  }
  return rows;
}

describe('entitlement rules against the stand-in customer system', () => {
  it("approves with the customer and the system's description, rejects on a reject answer, leaves an unknown one for a person", async () => {
    const w = await world(SECRET);
    const { entries } = await run(w.container, w.plsId);

    expect(w.status(w.names.adatum)).toBe('Approved');
    expect(w.description(w.names.adatum)).toBe('Approved for Adatum Corporation, contract AC-2291');
    expect(w.status(w.names.woodgrove)).toBe('Rejected');
    expect(w.status(w.names.unknown)).toBe('Pending');
    expect(w.system.stats()).toEqual({ answered: 3, refused: 0 });

    const services = await w.container.approvalServices();
    const records = await services.records.listForPls(w.plsId);
    expect([...records.values()].find((r) => r.connectionName === w.names.adatum)?.customer).toBe(
      'Adatum Corporation',
    );
    const rows = await allRows(w.container);
    const adatumOutcome = rows.find((r) => r.connectionName === w.names.adatum && r.kind === 'outcome');
    // The contract's end from the answer (lab/customers.yaml: 365 days) is kept with the decision.
    const endsInDays = (Date.parse(String(adatumOutcome?.approvalEndsAt)) - Date.now()) / 86_400_000;
    expect(Math.round(endsInDays)).toBe(365);
    expect(adatumOutcome).toMatchObject({
      customer: 'Adatum Corporation',
      rule: 'saas-customers',
      result: 'succeeded',
    });
    const unknownVerdict = rows.find((r) => r.connectionName === w.names.unknown && r.kind === 'verdict');
    expect(unknownVerdict?.reason).toBe('rule saas-customers matched; the entitlement check answered manual');

    // The secret is in no log line and no row.
    expect(JSON.stringify(entries)).not.toContain(SECRET);
    expect(JSON.stringify(rows)).not.toContain(SECRET);
    expect(entries.find((e) => e.event === 'approval.entitlement_checked')).toMatchObject({
      asked: 3,
      approve: 1,
      reject: 1,
      manual: 1,
      failed: 0,
    });
  }, 60_000);

  it('a system that refuses our signature (another secret) approves nothing: all left for a person, reason audited', async () => {
    const w = await world('another-secret-that-the-app-does-not-have-0000');
    const { entries } = await run(w.container, w.plsId);

    for (const name of Object.values(w.names)) expect(w.status(name)).toBe('Pending');
    expect(w.emulator.requestLog.count('connection.put')).toBe(0);
    expect(w.system.stats()).toEqual({ answered: 0, refused: 3 });
    const rows = await allRows(w.container);
    expect(JSON.stringify(rows)).not.toContain(SECRET);
    const verdicts = rows.filter((r) => r.kind === 'verdict');
    expect(verdicts.length).toBeGreaterThanOrEqual(3);
    for (const v of verdicts) {
      expect(v.reason).toMatch(
        /the entitlement check failed: the entitlement endpoint answered HTTP 401; left for a person/,
      );
      expect(v.errorCode).toBe('entitlement_unavailable');
    }
    expect(JSON.stringify(entries)).not.toContain(SECRET);
  }, 60_000);

  it('a system that never answers does not stall the run: it ends at its deadline, everything left for a person', async () => {
    const w = await world(SECRET);
    // A system that takes every request and never answers; the per-request timeout is far away.
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/entitlement`;
      const container = armTestContainer(w.emulator, [w.plsId], {
        APPROVAL_POLICY: POLICY,
        ENTITLEMENT_URL: url,
        ENTITLEMENT_SIGNING_KEY: SECRET,
        ENTITLEMENT_TIMEOUT_SECONDS: '30',
      });
      const { services, policy } = await servicesAndPolicy(container);
      const { log } = collectLog();
      // The run's deadline bounds the asking: the test's own timeout (well under the 30 s per request) fails it otherwise.
      const deadline = new Date(Date.now() + 500);
      await reconcileAll(services, policy, [w.plsId], 1, {
        trigger: 'timer',
        correlationId: 'ent-slow',
        log,
        deadline,
      });
      for (const name of Object.values(w.names)) expect(w.status(name)).toBe('Pending');
      const verdicts = (await allRows(container)).filter((r) => r.kind === 'verdict');
      // Each verdict is in both audit tables (by connection and by time).
      expect(new Set(verdicts.map((v) => v.connectionName)).size).toBe(3);
      for (const v of verdicts) expect(v.reason).toContain('used up before an answer came');
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 10_000);

  it('without ENTITLEMENT_URL an entitlement rule leaves its connections for a person', async () => {
    const w = await world(SECRET);
    const container = armTestContainer(w.emulator, [w.plsId], { APPROVAL_POLICY: POLICY });
    await run(container, w.plsId);
    for (const name of Object.values(w.names)) expect(w.status(name)).toBe('Pending');
    expect(w.system.stats().answered).toBe(0);
    const verdict = (await allRows(container)).find((r) => r.kind === 'verdict');
    expect(verdict?.reason).toContain('ENTITLEMENT_URL is not set');
  }, 60_000);
});
