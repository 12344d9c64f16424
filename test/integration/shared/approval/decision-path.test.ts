import { describe, expect, it } from 'vitest';
import { decideByPerson } from '../../../../shared/api/use-cases/decide-by-person';
import { parsePolicy } from '../../../../shared/approval/adapters/policy-loader';
import { AuditStore } from '../../../../shared/approval/storage/audit-store';
import { reconcileAll } from '../../../../shared/approval/use-cases/reconcile-all';
import { reconcilePrivateLinkService } from '../../../../shared/approval/use-cases/reconcile-pls';
import type { ArmGateway } from '../../../../shared/arm/arm-gateway';
import type { Container } from '../../../../shared/composition-root';
import type { Log } from '../../../../shared/log';
import { connectionKey, plsKey } from '../../../../shared/storage/table-keys';
import { armTestContainer, privateEndpointIdOf, useArmEmulatorPerTest } from '../../../helpers/arm-emulator';
import {
  collectLog,
  connectionPath,
  seedWorld,
  servicesAndPolicy,
  successfulPuts,
  TEST_POLICY,
  TRUSTED_SUBS,
} from './approval-world';

const emulators = useArmEmulatorPerTest();

const ctx = (log: Log, correlationId = 'test') => ({
  trigger: 'timer' as const,
  correlationId,
  log,
});
const PERSON = {
  kind: 'person' as const,
  name: 'Ada Lovelace',
  objectId: '0000aaaa-0000-4000-8000-000000000001',
  tenantId: undefined,
};
const ADA = {
  name: PERSON.name,
  objectId: PERSON.objectId,
  tenantId: undefined,
  identityProvider: 'aad',
  roles: ['Gatekeeper.Approver'],
};

async function allRows(container: Container, table: string): Promise<Record<string, unknown>[]> {
  const client = await container.table(table);
  const rows: Record<string, unknown>[] = [];
  for await (const row of client.listEntities<Record<string, unknown>>()) rows.push(row);
  return rows;
}

describe('the write-ahead decision path', () => {
  it('has the intent row stored before every PUT, and keeps the request message after ARM overwrote it', async () => {
    const emulator = await emulators.start();
    const { plsIds, connections } = seedWorld(emulator, { plsCount: 2, perPls: 30 });
    const container = armTestContainer(emulator, plsIds, { APPROVAL_POLICY: TEST_POLICY });
    const { services, policy } = await servicesAndPolicy(container);
    const violations: string[] = [];
    let checked = 0;
    // A gateway that, at the moment of each PUT, looks for the decision's intent row in Table Storage.
    const watching: ArmGateway = Object.assign(Object.create(services.arm) as ArmGateway, {
      updateConnectionState: async (
        plsId: string,
        name: string,
        update: Parameters<ArmGateway['updateConnectionState']>[2],
      ) => {
        const rows = await services.audit.listByConnection(plsId, name);
        const intents = rows.filter((r) => r.kind === 'intent');
        const open = intents.filter(
          (i) => !rows.some((r) => r.kind === 'outcome' && r.decisionId === i.decisionId),
        );
        if (open.length !== 1) violations.push(`${name}: ${open.length} open intents at PUT time`);
        checked++;
        return services.arm.updateConnectionState(plsId, name, update);
      },
    });
    await reconcileAll({ ...services, arm: watching }, policy, plsIds, 2, ctx(collectLog().log));
    expect(checked).toBe(connections.filter((c) => c.expected !== 'Pending').length);
    expect(violations).toEqual([]);

    const approved = connections.find((c) => c.expected === 'Approved');
    if (approved === undefined) throw new Error('seed has no approvable connection');
    expect(emulator.world.connection(approved.plsId, approved.name)?.description).not.toBe(approved.message);
    const history = await services.audit.listByConnection(approved.plsId, approved.name);
    expect(history.map((h) => h.kind)).toEqual(['outcome', 'intent']);
    expect(history[0]).toMatchObject({
      result: 'succeeded',
      statusBefore: 'Pending',
      statusAfter: 'Approved',
      action: 'approve',
      rule: 'trusted',
      policyVersion: policy.version,
      actor: { kind: 'policy' },
      requestMessage: approved.message,
      consumerSubscriptionId: approved.subscription,
      consumerTenantId: 'aaaaaaaa-1111-4111-8111-000000000001',
    });
    expect(history[1]?.at.getTime()).toBeLessThanOrEqual(history[0]?.at.getTime() ?? 0);
    const byTime = await services.audit.listByTime(
      new Date(Date.now() - 60_000),
      new Date(Date.now() + 1_000),
      10_000,
    );
    expect(byTime.filter((r) => r.connectionName === approved.name).map((r) => r.kind)).toEqual([
      'outcome',
      'intent',
    ]);
    expect((await services.records.get(approved.plsId, approved.name))?.requestMessage).toBe(
      approved.message,
    );
  });

  it('writes nothing to ARM when the audit cannot be written', async () => {
    const emulator = await emulators.start();
    const { plsIds, connections } = seedWorld(emulator, { plsCount: 1, perPls: 40 });
    const container = armTestContainer(emulator, plsIds, { APPROVAL_POLICY: TEST_POLICY });
    const { services, policy } = await servicesAndPolicy(container);
    // Nothing listens on port 9: every audit write fails (at once: no SDK retries).
    const { TableClient } = await import('@azure/data-tables');
    const brokenTable = (name: string) => async () =>
      TableClient.fromConnectionString(
        'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1',
        name,
        { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } },
      );
    const brokenAudit = new AuditStore(brokenTable('brokenAudit'), brokenTable('brokenAuditByTime'));
    const { entries, log } = collectLog();
    const summary = await reconcilePrivateLinkService(
      { ...services, audit: brokenAudit },
      policy,
      plsIds[0] ?? '',
      ctx(log),
    );
    const decidable = connections.filter((c) => c.expected !== 'Pending').length;
    expect(summary.outcomes.failed).toBe(decidable);
    expect(emulator.requestLog.count('connection.put')).toBe(0);
    expect(emulator.requestLog.count('connection.get')).toBe(0);
    expect(
      entries.some((e) => e.event === 'approval.decision_failed' && e.code === 'storage_unavailable'),
    ).toBe(true);

    // The claims were given back: with the audit working again the same connections are decided at once.
    const again = await reconcilePrivateLinkService(services, policy, plsIds[0] ?? '', ctx(log, 'again'));
    expect(again.outcomes.applied).toBe(decidable);
  });

  it('reports a decision written to ARM as failed, not applied, when its outcome row and record cannot be stored', async () => {
    const emulator = await emulators.start();
    const { plsIds, connections } = seedWorld(emulator, { plsCount: 1, perPls: 10 });
    const container = armTestContainer(emulator, plsIds, { APPROVAL_POLICY: TEST_POLICY });
    const { services, policy } = await servicesAndPolicy(container);
    // Intents are stored; the outcome rows with their records go to a table nothing serves.
    const { TableClient } = await import('@azure/data-tables');
    const broken = new AuditStore(
      async () =>
        TableClient.fromConnectionString(
          'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1',
          'brokenAudit',
          { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } },
        ),
      () => container.table('AuditByTime'),
    );
    const audit = {
      writeMany: (...args: Parameters<AuditStore['writeMany']>) =>
        args[1] !== undefined && args[1].size > 0
          ? broken.writeMany(...args)
          : services.audit.writeMany(...args),
    };
    const { entries, log } = collectLog();
    const plsId = plsIds[0] ?? '';
    const summary = await reconcilePrivateLinkService({ ...services, audit }, policy, plsId, ctx(log));
    const approved = connections.filter((c) => c.expected === 'Approved');
    const decidable = connections.filter((c) => c.expected !== 'Pending').length;
    expect(approved.length).toBeGreaterThan(0);
    expect(emulator.requestLog.count('connection.put')).toBe(decidable);
    expect(summary.outcomes.applied).toBe(0);
    expect(summary.outcomes.failed).toBe(decidable);
    expect(
      entries.filter(
        (e) =>
          e.event === 'approval.decision_failed' &&
          e.code === 'storage_unavailable' &&
          /written to ARM/.test(String(e.what)),
      ),
    ).toHaveLength(decidable);
    // The record still holds the listed state: the next list sees the change and records it.
    const records = await services.records.listForPls(plsId);
    for (const c of approved) expect(records.get(c.name.toLowerCase())?.decision).toBeUndefined();
  });

  it('in dry-run mode decides and audits once, and writes nothing to ARM', async () => {
    const emulator = await emulators.start();
    const { plsIds, connections } = seedWorld(emulator, { plsCount: 1, perPls: 50 });
    const container = armTestContainer(emulator, plsIds, {
      APPROVAL_POLICY: TEST_POLICY,
      APPROVAL_MODE: 'dry-run',
    });
    const { services, policy } = await servicesAndPolicy(container);
    const { log } = collectLog();
    const first = await reconcileAll(services, policy, plsIds, 1, ctx(log, 'dry-1'));
    const decidable = connections.filter((c) => c.expected !== 'Pending').length;
    expect(first.outcomes.dryRun).toBe(decidable);
    expect(emulator.requestLog.count('connection.put')).toBe(0);
    const rows = await allRows(container, 'AuditByTime');
    expect(rows.filter((r) => r.result === 'dry-run')).toHaveLength(decidable);
    expect(rows.filter((r) => r.kind === 'intent' && r.mode === 'dry-run')).toHaveLength(decidable);
    await reconcileAll(services, policy, plsIds, 1, ctx(log, 'dry-2'));
    expect(await allRows(container, 'AuditByTime')).toHaveLength(rows.length);
    for (const c of connections) expect(emulator.world.connection(c.plsId, c.name)?.status).toBe('Pending');
  });

  it('never attempts Rejected → Approved; a person asking gets a conflict that explains why, and it is audited', async () => {
    const emulator = await emulators.start();
    const { plsIds } = seedWorld(emulator, { plsCount: 1, perPls: 0 });
    const plsId = plsIds[0] ?? '';
    const rejected = Array.from({ length: 10 }, (_, i) =>
      emulators.current?.world.addConnection({
        plsId,
        privateEndpointId: privateEndpointIdOf(TRUSTED_SUBS[0] ?? '', `pe-r${i}`),
        status: 'Rejected',
        requestMessage: 'CHG0000001',
      }),
    );
    const approveAll =
      'version: 1\nenforceOnApproved: true\ndefault: { action: manual }\nrules: [{ name: all, action: approve }]';
    const container = armTestContainer(emulator, plsIds, { APPROVAL_POLICY: approveAll });
    const { services, policy } = await servicesAndPolicy(container);
    const summary = await reconcileAll(services, policy, plsIds, 1, ctx(collectLog().log));
    expect(summary.outcomes.settled).toBe(10);
    const name = rejected[0]?.name ?? '';
    await expect(
      decideByPerson(
        container,
        {
          pls: plsId,
          connection: name,
          action: 'approve',
          reason: 'please',
          principal: ADA,
          correlationId: 'p1',
        },
        collectLog().log,
      ),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('recreate the private endpoint'),
    });
    expect(emulator.requestLog.count('connection.put')).toBe(0);
    const history = await services.audit.listByConnection(plsId, name);
    expect(history).toEqual([expect.objectContaining({ kind: 'outcome', result: 'refused', actor: PERSON })]);
  });

  it('a person and the policy deciding the same connection at once: one ARM write, both attempts audited', async () => {
    const emulator = await emulators.start();
    const { plsIds } = seedWorld(emulator, { plsCount: 1, perPls: 0 });
    const plsId = plsIds[0] ?? '';
    const record = emulator.world.addConnection({
      plsId,
      privateEndpointId: privateEndpointIdOf(TRUSTED_SUBS[0] ?? '', 'pe-race'),
      requestMessage: 'no ticket here',
    });
    const container = armTestContainer(emulator, plsIds, { APPROVAL_POLICY: TEST_POLICY });
    const { services, policy } = await servicesAndPolicy(container);
    const { log } = collectLog();
    const [person, policyRun] = await Promise.allSettled([
      decideByPerson(
        container,
        {
          pls: plsId,
          connection: record.name,
          action: 'approve',
          reason: 'Approved by Ada',
          principal: ADA,
          correlationId: 'race',
        },
        log,
      ),
      reconcilePrivateLinkService(services, policy, plsId, ctx(log, 'race-policy')),
    ]);
    expect(policyRun.status).toBe('fulfilled');
    expect(successfulPuts(emulator).get(connectionPath(plsId, record.name))).toBe(1);
    const history = await services.audit.listByConnection(plsId, record.name);
    expect(new Set(history.map((h) => h.actor.kind))).toEqual(new Set(['person', 'policy']));
    const final = emulator.world.connection(plsId, record.name)?.status;
    if (person.status === 'fulfilled') expect(final).toBe('Approved');
    else expect(final).toBe('Rejected');
  });

  it('enforceOnApproved rejects approvals no rule allows any more, but not those a person made', async () => {
    const emulator = await emulators.start();
    const { plsIds } = seedWorld(emulator, { plsCount: 1, perPls: 0 });
    const plsId = plsIds[0] ?? '';
    const byPolicy = emulator.world.addConnection({
      plsId,
      privateEndpointId: privateEndpointIdOf(TRUSTED_SUBS[0] ?? '', 'pe-old'),
      status: 'Approved',
    });
    const pending = emulator.world.addConnection({
      plsId,
      privateEndpointId: privateEndpointIdOf(TRUSTED_SUBS[1] ?? '', 'pe-new'),
      requestMessage: 'hello',
    });
    const enforce = 'version: 1\nenforceOnApproved: true\ndefault: { action: manual }\nrules: []';
    const container = armTestContainer(emulator, plsIds, { APPROVAL_POLICY: enforce });
    const { services } = await servicesAndPolicy(container);
    const { log } = collectLog();
    // A person approves the Pending one through the decision path first.
    await decideByPerson(
      container,
      {
        pls: plsId,
        connection: pending.name,
        action: 'approve',
        reason: 'ok by Ada',
        principal: ADA,
        correlationId: 'p',
      },
      log,
    );
    const summary = await reconcilePrivateLinkService(services, parsePolicy(enforce), plsId, ctx(log));
    expect(summary.outcomes.applied).toBe(1);
    expect(emulator.world.connection(plsId, byPolicy.name)?.status).toBe('Rejected');
    expect(emulator.world.connection(plsId, byPolicy.name)?.description).toMatch(
      /^Approval revoked by policy/,
    );
    expect(emulator.world.connection(plsId, pending.name)?.status).toBe('Approved');
  });
});

describe('upgrading from the Connections snapshot', () => {
  it('a person’s approval kept only in an old snapshot row is migrated and still not revoked', async () => {
    const emulator = await emulators.start();
    const { plsIds } = seedWorld(emulator, { plsCount: 1, perPls: 0 });
    const plsId = plsIds[0] ?? '';
    const byPerson = emulator.world.addConnection({
      plsId,
      privateEndpointId: privateEndpointIdOf(TRUSTED_SUBS[0] ?? '', 'pe-kept'),
      status: 'Approved',
    });
    const byPolicy = emulator.world.addConnection({
      plsId,
      privateEndpointId: privateEndpointIdOf(TRUSTED_SUBS[1] ?? '', 'pe-revoked'),
      status: 'Approved',
    });
    const enforce = 'version: 1\nenforceOnApproved: true\ndefault: { action: manual }\nrules: []';
    const container = armTestContainer(emulator, plsIds, { APPROVAL_POLICY: enforce });
    const { services } = await servicesAndPolicy(container);
    // Rows exactly as the version before the record wrote them (table Connections).
    const legacy = await container.table('Connections');
    for (const [c, actorKind] of [
      [byPerson, 'person'],
      [byPolicy, 'policy'],
    ] as const) {
      await legacy.createEntity({
        partitionKey: plsKey(plsId),
        rowKey: connectionKey(c.name),
        plsId,
        connectionId: c.id,
        connectionName: c.name,
        status: 'Approved',
        firstSeenAt: '2026-10-01T08:00:00.000Z',
        changedAt: '2026-10-02T09:00:00.000Z',
        lastDecisionActorKind: actorKind,
        lastDecisionActor: actorKind === 'person' ? 'Ada Lovelace' : 'policy',
        lastDecisionAt: '2026-10-02T09:00:00.000Z',
        lastDecisionRule: '',
      });
    }
    const { log } = collectLog();
    const summary = await reconcilePrivateLinkService(services, parsePolicy(enforce), plsId, ctx(log));
    expect(summary.outcomes.applied).toBe(1);
    expect(summary.drift).toEqual({ appeared: 0, vanished: 0, changed: 0 });
    expect(emulator.world.connection(plsId, byPerson.name)?.status).toBe('Approved');
    expect(emulator.world.connection(plsId, byPolicy.name)?.status).toBe('Rejected');
    expect(await allRows(container, 'Connections')).toEqual([]);
  });
});

describe('quotas in reconciliation', () => {
  it('approves a consumer up to its quota per PLS, oldest requests first, counting existing approvals', async () => {
    const emulator = await emulators.start();
    const { plsIds } = seedWorld(emulator, { plsCount: 2, perPls: 0 });
    const [web, api] = plsIds as [string, string];
    const sub = TRUSTED_SUBS[0] ?? '';
    emulator.world.addConnection({
      plsId: web,
      privateEndpointId: privateEndpointIdOf(sub, 'pe-old'),
      status: 'Approved',
    });
    for (let i = 0; i < 4; i++) {
      emulator.world.addConnection({
        plsId: web,
        privateEndpointId: privateEndpointIdOf(sub, `pe-w${i}`),
        requestMessage: `CHG000000${i}`,
      });
      emulator.world.addConnection({
        plsId: api,
        privateEndpointId: privateEndpointIdOf(sub, `pe-a${i}`),
        requestMessage: `CHG000000${i}`,
      });
    }
    const quota = `
version: 1
default: { action: manual }
rules:
  - { name: capped, action: approve, match: { quota: { max: 3, per: subscription } } }
`;
    const container = armTestContainer(emulator, plsIds, { APPROVAL_POLICY: quota });
    const { services, policy } = await servicesAndPolicy(container);
    await reconcileAll(services, policy, plsIds, 2, ctx(collectLog().log));
    await reconcileAll(services, policy, plsIds, 2, ctx(collectLog().log, 'again'));
    const approved = (plsId: string) =>
      [...(emulators.current?.world.privateLinkService(plsId)?.connections.values() ?? [])].filter(
        (c) => c.status === 'Approved',
      ).length;
    expect(approved(web)).toBe(3);
    expect(approved(api)).toBe(3);
    expect(emulator.requestLog.count('connection.put')).toBe(5);
  });
});

describe('drift and the tenant cache', () => {
  it('records connections that appeared, vanished or changed outside the product', async () => {
    const emulator = await emulators.start();
    const { plsIds, connections } = seedWorld(emulator, { plsCount: 1, perPls: 10 });
    const plsId = plsIds[0] ?? '';
    const manualOnly = 'version: 1\ndefault: { action: manual }\n';
    const container = armTestContainer(emulator, plsIds, { APPROVAL_POLICY: manualOnly });
    const { services, policy } = await servicesAndPolicy(container);
    const { entries, log } = collectLog();
    const first = await reconcilePrivateLinkService(services, policy, plsId, ctx(log, 'd1'));
    expect(first.drift).toEqual({ appeared: 10, vanished: 0, changed: 0 });
    const [a, b] = connections;
    emulator.world.updateConnectionState(plsId, a?.name ?? '', { status: 'Approved', description: 'portal' });
    emulator.world.removeConnection(plsId, b?.name ?? '');
    await new Promise((r) => setTimeout(r, 5));
    const second = await reconcilePrivateLinkService(services, policy, plsId, ctx(log, 'd2'));
    expect(second.drift).toEqual({ appeared: 0, vanished: 1, changed: 1 });
    expect(entries.filter((e) => e.event === 'approval.drift').map((e) => [e.kind, e.from, e.to])).toEqual(
      expect.arrayContaining([
        ['changed', 'Pending', 'Approved'],
        ['vanished', 'Pending', undefined],
      ]),
    );
    const drift = await services.drift.listDay(new Date());
    expect(drift.filter((d) => d.kind === 'changed')).toHaveLength(1);
    const third = await reconcilePrivateLinkService(services, policy, plsId, ctx(log, 'd3'));
    expect(third.drift).toEqual({ appeared: 0, vanished: 0, changed: 0 });
  });

  it('asks ARM once per subscription, caches unknown tenants too, and shares the cache through Table Storage', async () => {
    const emulator = await emulators.start();
    const { plsIds } = seedWorld(emulator, { plsCount: 2, perPls: 40 });
    const env = { APPROVAL_POLICY: TEST_POLICY, TABLE_NAME_PREFIX: `t${Date.now().toString(36)}` };
    const first = await servicesAndPolicy(armTestContainer(emulator, plsIds, env));
    await reconcileAll(first.services, first.policy, plsIds, 2, ctx(collectLog().log));
    // Four consumer subscriptions, one of them with no discoverable tenant.
    expect(emulator.requestLog.count('subscription.get')).toBe(4);
    expect(first.services.tenants.lookups).toBe(4);
    await reconcileAll(first.services, first.policy, plsIds, 2, ctx(collectLog().log));
    const other = await servicesAndPolicy(armTestContainer(emulator, plsIds, env));
    await reconcileAll(other.services, other.policy, plsIds, 2, ctx(collectLog().log));
    expect(other.services.tenants.lookups).toBe(0);
    expect(emulator.requestLog.count('subscription.get')).toBe(4);
    const cached = await first.services.tenants.list();
    expect(cached.filter((c) => c.tenantId === undefined)).toHaveLength(1);
  });
});
