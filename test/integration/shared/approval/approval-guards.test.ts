import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import type { ArmEmulator } from '../../../../emulators/arm';
import { onConnectionEvent } from '../../../../functions/onConnectionEvent';
import { reconcileQueuedPls } from '../../../../functions/reconcileQueuedPls';
import { decideByPerson } from '../../../../shared/api/use-cases/decide-by-person';
import { getConnectionDetail } from '../../../../shared/api/use-cases/get-connection';
import { parseWorkItem } from '../../../../shared/approval/core/reconcile-work-item';
import type { ApprovalServices } from '../../../../shared/approval/use-cases/approval-services';
import { readFastPathStats } from '../../../../shared/approval/use-cases/read-fast-path-stats';
import { reconcileConfigured } from '../../../../shared/approval/use-cases/reconcile-all';
import {
  FIRST_DECISION_BATCH,
  reconcilePrivateLinkService,
} from '../../../../shared/approval/use-cases/reconcile-pls';
import type { ArmGateway } from '../../../../shared/arm/arm-gateway';
import type { Clock } from '../../../../shared/clock';
import { type Container, type ContainerOptions, setContainer } from '../../../../shared/composition-root';
import { silentLog } from '../../../../shared/log';
import { connectionKey } from '../../../../shared/storage/table-keys';
import { appErrorFrom } from '../../../helpers/app-errors';
import {
  armTestContainer,
  FAST_ARM_GATEWAY,
  plsIdOf,
  privateEndpointIdOf,
  useArmEmulatorPerTest,
} from '../../../helpers/arm-emulator';
import { uniqueTablePrefix } from '../../../helpers/storage';
import {
  collectLog,
  connectionPath,
  drainReconcileQueue,
  OTHER_SUB,
  successfulPuts,
  TRUSTED_SUBS,
  uniqueQueueName,
} from './approval-world';

/**
 * One test per approval guarantee and per APPROVAL_MODE, each written so that it goes red when the
 * guard it names is removed (the report of the session that wrote them lists which were checked so).
 */

const emulators = useArmEmulatorPerTest();

const REJECT_ALL =
  'version: 1\ndefault: { action: manual }\nrules: [{ name: no, action: reject, description: "Not accepted here" }]';
const APPROVE_ALL =
  'version: 1\ndefault: { action: manual }\nrules: [{ name: yes, action: approve, description: "Welcome" }]';
const ADA = {
  name: 'Ada Lovelace',
  objectId: '0000aaaa-0000-4000-8000-000000000001',
  tenantId: undefined,
  identityProvider: 'aad',
  roles: ['Gatekeeper.Approver'],
};
const PLS = plsIdOf('pls-guards');

/** A clock that can be moved forward (a cut-off run's deadline, another instance's later start). */
function movableClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms) => (offset += ms) };
}

function pendingConnections(arm: ArmEmulator, count: number, plsId = PLS): string[] {
  return Array.from(
    { length: count },
    (_, i) =>
      arm.world.addConnection({
        plsId,
        privateEndpointId: privateEndpointIdOf(TRUSTED_SUBS[i % 2] ?? '', `pe-${i}`),
        requestMessage: `request ${i}`,
      }).name,
  );
}

async function world(
  policy: string,
  env: Record<string, string> = {},
  options: {
    clock?: Clock;
    prefix?: string;
    queue?: string;
    armGateway?: NonNullable<ContainerOptions['armGateway']>;
  } = {},
): Promise<Container> {
  const emulator = emulators.current ?? (await emulators.start());
  if (emulator.world.privateLinkService(PLS) === undefined) emulator.world.addPrivateLinkService({ id: PLS });
  return armTestContainer(
    emulator,
    [PLS],
    {
      APPROVAL_POLICY: policy,
      RECONCILE_QUEUE_NAME: options.queue ?? uniqueQueueName(),
      ...(options.prefix !== undefined ? { TABLE_NAME_PREFIX: options.prefix } : {}),
      ...env,
    },
    {
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
      ...(options.armGateway !== undefined ? { armGateway: options.armGateway } : {}),
    },
  );
}

async function auditRows(container: Container): Promise<Record<string, unknown>[]> {
  const client = await container.table('AuditByTime');
  const rows: Record<string, unknown>[] = [];
  for await (const row of client.listEntities<Record<string, unknown>>()) rows.push(row);
  return rows;
}

const ctx = (log = collectLog().log) => ({ trigger: 'timer' as const, correlationId: randomUUID(), log });

function timer(container: Container, log = collectLog().log) {
  return container
    .approvalServices()
    .then((services) =>
      reconcileConfigured(services, () => container.approvalPolicy(), { correlationId: 't', log }),
    );
}

function drain(container: Container): Promise<number> {
  setContainer(container);
  return drainReconcileQueue(container, (text) =>
    reconcileQueuedPls.handler(text, new InvocationContext({ invocationId: 'q', logHandler: () => {} })),
  );
}

/** Wraps the gateway's PUT: `before` runs just before the real PUT is sent (after the re-read). */
/** Someone approves the connection in the portal: a new status and a new ETag, as ARM gives it. */
function approveInPortal(name: string, description?: string): void {
  const record = emulators.current?.world.connection(PLS, name);
  if (record === undefined) return;
  record.status = 'Approved';
  if (description !== undefined) record.description = description;
  record.etag = `W/"${randomUUID()}"`;
}

function beforePut(
  services: ApprovalServices,
  before: (plsId: string, name: string) => void,
): ApprovalServices {
  const arm: ArmGateway = Object.assign(Object.create(services.arm) as ArmGateway, {
    updateConnectionState: (
      plsId: string,
      name: string,
      update: Parameters<ArmGateway['updateConnectionState']>[2],
    ) => {
      before(plsId, name);
      return services.arm.updateConnectionState(plsId, name, update);
    },
  });
  return { ...services, arm };
}

describe('APPROVAL_MODE', () => {
  it('enforce: the timer decides by the policy and writes each decision once', async () => {
    const container = await world(REJECT_ALL);
    const names = pendingConnections(emulators.current as ArmEmulator, 5);
    await timer(container);
    for (const name of names) expect(emulators.current?.world.connection(PLS, name)?.status).toBe('Rejected');
    expect(emulators.current?.requestLog.count('connection.put')).toBe(5);
  });

  it('off: the timer lists (drift is still recorded) but decides and audits nothing', async () => {
    const container = await world(REJECT_ALL, { APPROVAL_MODE: 'off' });
    const names = pendingConnections(emulators.current as ArmEmulator, 5);
    const summary = await timer(container);
    expect(summary?.drift.appeared).toBe(5);
    expect(emulators.current?.requestLog.count('connection.put')).toBe(0);
    expect(await auditRows(container)).toHaveLength(0);
    for (const name of names) expect(emulators.current?.world.connection(PLS, name)?.status).toBe('Pending');
  });

  it('off: an event queues nothing and decides nothing', async () => {
    const container = await world(REJECT_ALL, { APPROVAL_MODE: 'off' });
    const [name] = pendingConnections(emulators.current as ArmEmulator, 1);
    setContainer(container);
    const lines: string[] = [];
    await onConnectionEvent.handler(
      {
        id: 'e1',
        topic: '/subscriptions/11111111-1111-1111-1111-111111111111',
        subject: `${PLS}/privateEndpointConnections/${name}`,
        eventType: 'Microsoft.Resources.ResourceWriteSuccess',
        eventTime: new Date().toISOString(),
        dataVersion: '2',
        metadataVersion: '1',
        data: {
          operationName: 'Microsoft.Network/privateLinkServices/privateEndpointConnections/write',
          resourceUri: `${PLS}/privateEndpointConnections/${name}`,
          status: 'Succeeded',
        },
      },
      new InvocationContext({ invocationId: 'e', logHandler: (_l, ...a) => lines.push(a.join(' ')) }),
    );
    expect(await drain(container)).toBe(0);
    expect(emulators.current?.requestLog.count('connection.put')).toBe(0);
    expect(emulators.current?.world.connection(PLS, name ?? '')?.status).toBe('Pending');
  });

  it('dry-run for the policy: audited as dry-run, nothing written to ARM', async () => {
    const container = await world(REJECT_ALL, { APPROVAL_MODE: 'dry-run' });
    const names = pendingConnections(emulators.current as ArmEmulator, 3);
    const summary = await timer(container);
    expect(summary?.outcomes.dryRun).toBe(3);
    expect(emulators.current?.requestLog.count('connection.put')).toBe(0);
    expect((await auditRows(container)).filter((r) => r.result === 'dry-run')).toHaveLength(3);
    for (const name of names) expect(emulators.current?.world.connection(PLS, name)?.status).toBe('Pending');
  });

  it('dry-run for people: a person’s approve is audited as dry-run and not written to ARM', async () => {
    const container = await world(REJECT_ALL, { APPROVAL_MODE: 'dry-run' });
    const [name = ''] = pendingConnections(emulators.current as ArmEmulator, 1);
    const result = await decideByPerson(
      container,
      { pls: PLS, connection: name, action: 'approve', reason: 'ok', principal: ADA, correlationId: 'p' },
      collectLog().log,
    );
    expect(result.outcome).toBe('dry-run');
    expect(emulators.current?.requestLog.count('connection.put')).toBe(0);
    expect(emulators.current?.world.connection(PLS, name)?.status).toBe('Pending');
  });
});

describe('decided on the state that was read', () => {
  it('a change between the re-read and the PUT is skipped and not overwritten (If-Match)', async () => {
    const container = await world(REJECT_ALL);
    const [name = ''] = pendingConnections(emulators.current as ArmEmulator, 1);
    const services = await container.approvalServices();
    // The portal approves it after our re-read, just before our PUT arrives.
    const racing = beforePut(services, (_p, n) => approveInPortal(n, 'approved in the portal'));
    const summary = await reconcilePrivateLinkService(racing, await container.approvalPolicy(), PLS, ctx());
    expect(summary.outcomes.stale).toBe(1);
    expect(emulators.current?.world.connection(PLS, name)).toMatchObject({
      status: 'Approved',
      description: 'approved in the portal',
    });
    const history = await services.audit.listByConnection(PLS, name);
    expect(history[0]).toMatchObject({ kind: 'outcome', result: 'skipped', statusAfter: 'Approved' });
  });

  it('a change between the list and the re-read is skipped and not overwritten (the re-read)', async () => {
    const container = await world(REJECT_ALL);
    const [name = ''] = pendingConnections(emulators.current as ArmEmulator, 1);
    const services = await container.approvalServices();
    // The portal approves it after our list, before our re-read: the ETag ARM gives the re-read is current.
    const arm: ArmGateway = Object.assign(Object.create(services.arm) as ArmGateway, {
      readConnection: (plsId: string, n: string) => {
        const record = emulators.current?.world.connection(plsId, n);
        if (record !== undefined && record.status === 'Pending') {
          record.status = 'Approved';
          record.etag = `W/"${randomUUID()}"`;
        }
        return services.arm.readConnection(plsId, n);
      },
    });
    const summary = await reconcilePrivateLinkService(
      { ...services, arm },
      await container.approvalPolicy(),
      PLS,
      ctx(),
    );
    expect(summary.outcomes.stale).toBe(1);
    expect(emulators.current?.world.connection(PLS, name)?.status).toBe('Approved');
    expect(emulators.current?.requestLog.count('connection.put')).toBe(0);
  });

  it('overlapping runs of one PLS (no coalescing): one PUT and one intent row per connection (the claims)', async () => {
    const container = await world(REJECT_ALL);
    const names = pendingConnections(emulators.current as ArmEmulator, 30);
    const services = await container.approvalServices();
    const policy = await container.approvalPolicy();
    await Promise.all(
      Array.from({ length: 5 }, () => reconcilePrivateLinkService(services, policy, PLS, ctx())),
    );
    const rows = await auditRows(container);
    const puts = successfulPuts(emulators.current as ArmEmulator);
    for (const name of names) {
      expect(puts.get(connectionPath(PLS, name))).toBe(1);
      expect(rows.filter((r) => r.connectionName === name && r.kind === 'intent')).toHaveLength(1);
    }
  }, 60_000);

  it('a refused PUT is explained by the connection as re-read, not by its error code', async () => {
    const container = await world(APPROVE_ALL);
    const [name = ''] = pendingConnections(emulators.current as ArmEmulator, 1);
    const services = await container.approvalServices();
    // Rejected meanwhile without a new ETag: ARM refuses Rejected → Approved with a code of its own.
    const racing = beforePut(services, (_p, n) => {
      const record = emulators.current?.world.connection(PLS, n);
      if (record !== undefined) record.status = 'Rejected';
    });
    const summary = await reconcilePrivateLinkService(racing, await container.approvalPolicy(), PLS, ctx());
    expect(summary.outcomes.stale).toBe(1);
    expect(summary.outcomes.failed).toBe(0);
    const history = await services.audit.listByConnection(PLS, name);
    expect(history[0]).toMatchObject({ result: 'skipped', statusAfter: 'Rejected' });
    expect(emulators.current?.world.connection(PLS, name)?.status).toBe('Rejected');
  });

  it('a connection that goes Rejected → Pending (the consumer asks again) is decided again at once', async () => {
    const container = await world(REJECT_ALL);
    const [name = ''] = pendingConnections(emulators.current as ArmEmulator, 1);
    const services = await container.approvalServices();
    const policy = await container.approvalPolicy();
    await reconcilePrivateLinkService(services, policy, PLS, ctx());
    const record = emulators.current?.world.connection(PLS, name);
    if (record === undefined) throw new Error('connection missing');
    expect(record.status).toBe('Rejected');
    record.status = 'Pending';
    record.description = 'please reconsider';
    record.etag = `W/"${randomUUID()}"`;
    const again = await reconcilePrivateLinkService(services, policy, PLS, ctx());
    expect(again.drift.changed).toBe(1);
    expect(again.outcomes.applied).toBe(1);
    expect(emulators.current?.world.connection(PLS, name)?.status).toBe('Rejected');
    expect(successfulPuts(emulators.current as ArmEmulator).get(connectionPath(PLS, name))).toBe(2);
  });

  it('enforceOnApproved never revokes a connection whose subscription is on the PLS’s own autoApproval list', async () => {
    const emulator = await emulators.start();
    emulator.world.addPrivateLinkService({ id: PLS, autoApproval: [TRUSTED_SUBS[0] ?? ''] });
    const listed = emulator.world.addConnection({
      plsId: PLS,
      privateEndpointId: privateEndpointIdOf(TRUSTED_SUBS[0] ?? '', 'pe-native'),
      status: 'Approved',
    });
    const other = emulator.world.addConnection({
      plsId: PLS,
      privateEndpointId: privateEndpointIdOf(OTHER_SUB, 'pe-other'),
      status: 'Approved',
    });
    const enforce =
      'version: 1\nenforceOnApproved: true\ndefault: { action: manual }\nrules: [{ name: ticket, action: approve, match: { requestMessage: "CHG\\\\d{7}" } }]';
    const container = await world(enforce);
    const summary = await reconcilePrivateLinkService(
      await container.approvalServices(),
      await container.approvalPolicy(),
      PLS,
      ctx(),
    );
    expect(emulator.world.connection(PLS, listed.name)?.status).toBe('Approved');
    expect(emulator.world.connection(PLS, other.name)?.status).toBe('Rejected');
    expect(summary.outcomes.applied).toBe(1);
  });
});

describe('a person decides on the version they saw', () => {
  it('GET shows the ETag; a stale If-Match or expectedStatus is 409 state_changed with nothing written', async () => {
    const container = await world(REJECT_ALL);
    const [name = ''] = pendingConnections(emulators.current as ArmEmulator, 1);
    const seen = await getConnectionDetail(container, { pls: PLS, connection: name }, silentLog);
    const etag = seen.connection.etag;
    expect(etag).toBe(emulators.current?.world.connection(PLS, name)?.etag);
    const record = emulators.current?.world.connection(PLS, name);
    if (record === undefined || etag === null) throw new Error('connection missing');
    record.description = 'edited by the consumer';
    record.etag = `W/"${randomUUID()}"`;
    const decide = (extra: { ifMatch?: string; expectedStatus?: 'Pending' | 'Approved' | 'Rejected' }) =>
      decideByPerson(
        container,
        {
          pls: PLS,
          connection: name,
          action: 'approve',
          reason: 'ok',
          principal: ADA,
          correlationId: 'p',
          ...extra,
        },
        collectLog().log,
      );
    expect((await appErrorFrom(decide({ ifMatch: etag }))).code).toBe('state_changed');
    expect((await appErrorFrom(decide({ expectedStatus: 'Approved' }))).code).toBe('state_changed');
    expect(emulators.current?.requestLog.count('connection.put')).toBe(0);
    expect(await auditRows(container)).toHaveLength(0);
    const fresh = await decide({ ifMatch: record.etag, expectedStatus: 'Pending' });
    expect(fresh.outcome).toBe('applied');
  });

  it('a pinned decision whose connection changes between re-read and PUT is 409 state_changed, not overwritten', async () => {
    const container = await world(REJECT_ALL);
    const [name = ''] = pendingConnections(emulators.current as ArmEmulator, 1);
    const services = await container.approvalServices();
    const racing = beforePut(services, (_p, n) => approveInPortal(n));
    const racingContainer = Object.assign(Object.create(container) as Container, {
      approvalServices: async () => racing,
    });
    const error = await appErrorFrom(
      decideByPerson(
        racingContainer,
        {
          pls: PLS,
          connection: name,
          action: 'reject',
          reason: 'no',
          principal: ADA,
          correlationId: 'p',
          expectedStatus: 'Pending',
        },
        collectLog().log,
      ),
    );
    expect(error.code).toBe('state_changed');
    expect(emulators.current?.world.connection(PLS, name)?.status).toBe('Approved');
  });
});

describe('resumable reconciliation', () => {
  it('a run cut by its time budget continues from the queue; every connection decided exactly once', async () => {
    const clock = movableClock();
    const container = await world(REJECT_ALL, { RECONCILE_TIME_BUDGET_SECONDS: '60' }, { clock });
    const names = pendingConnections(emulators.current as ArmEmulator, 230);
    const services = await container.approvalServices();
    let puts = 0;
    // The first batch takes "two minutes": the budget runs out before the second starts.
    const slow = beforePut(services, () => {
      if (++puts === FIRST_DECISION_BATCH) clock.advance(120_000);
    });
    const { entries, log } = collectLog();
    const summary = await reconcileConfigured(slow, () => container.approvalPolicy(), {
      correlationId: 't',
      log,
    });
    expect(summary?.outcomes.applied).toBe(FIRST_DECISION_BATCH);
    expect(summary?.unfinished).toEqual([{ plsId: PLS, remaining: 230 - FIRST_DECISION_BATCH }]);
    expect(entries.some((e) => e.event === 'approval.reconcile.continued')).toBe(true);

    expect(await drain(container)).toBe(1);
    const perConnection = successfulPuts(emulators.current as ArmEmulator);
    for (const name of names) {
      expect(emulators.current?.world.connection(PLS, name)?.status).toBe('Rejected');
      expect(perConnection.get(connectionPath(PLS, name))).toBe(1);
    }
  }, 60_000);

  it("at ARM's limits: a run cut by its real budget leaves a continuation that finishes the rest, paced below every 429, none decided twice or lost", async () => {
    // Small, fast buckets (each at least one second's refill plus the pacer's margin, as ARM's are):
    // 250 writes take at least (250 - 30) / 20 = 11 s. Batches are 16, 100, 100, 34; the third ends
    // after (216 - 30) / 20 = 9.3 s, so the 5 s budget (the setting's minimum) leaves at least the
    // last 34 decisions to a continuation, however fast the machine.
    const rates = { reads: 100, writes: 20 };
    const emulator = await emulators.start({
      rateLimits: {
        enforce: true,
        reads: { burst: 120, refillPerSecond: rates.reads },
        writes: { burst: 30, refillPerSecond: rates.writes },
      },
    });
    const container = await world(
      REJECT_ALL,
      { RECONCILE_TIME_BUDGET_SECONDS: '5' },
      { armGateway: { ...FAST_ARM_GATEWAY, pacing: { refillPerSecond: rates } } },
    );
    const names = pendingConnections(emulator, 250);
    const { entries, log } = collectLog();
    const summary = await timer(container, log);
    const [cut] = summary?.unfinished ?? [];
    expect(cut?.plsId).toBe(PLS);
    expect(cut?.remaining).toBeGreaterThanOrEqual(34);
    expect(entries.filter((e) => e.event === 'approval.reconcile.continued')).toHaveLength(1);
    const queue = await container.queue(container.config.approval.reconcileQueueName);
    const [waiting, ...more] = (await queue.peekMessages({ numberOfMessages: 32 })).peekedMessageItems;
    expect(more).toHaveLength(0);
    expect(parseWorkItem(waiting?.messageText)).toMatchObject({
      plsId: PLS,
      cause: 'timer',
      round: 1,
      remaining: cut?.remaining,
    });

    expect(await drain(container)).toBeGreaterThanOrEqual(1);
    const perConnection = successfulPuts(emulator);
    for (const name of names) {
      expect(emulator.world.connection(PLS, name)?.status).toBe('Rejected');
      expect(perConnection.get(connectionPath(PLS, name))).toBe(1);
    }
    expect(emulator.requestLog.entries.filter((e) => e.status === 429)).toHaveLength(0);
    expect(emulator.rateLimits.throttled).toBe(0);
  }, 90_000);

  it('an instance killed in the middle of its writes is finished by the next run without writing anything twice', async () => {
    const prefix = uniqueTablePrefix();
    const queue = uniqueQueueName();
    const first = await world(REJECT_ALL, {}, { prefix, queue });
    const names = pendingConnections(emulators.current as ArmEmulator, 120);
    const services = await first.approvalServices();
    let forwarded = 0;
    let hung = 0;
    // After 20 PUTs reach ARM the instance "dies": later PUTs never leave, and no outcome row or claim release follows.
    const dying: ArmGateway = Object.assign(Object.create(services.arm) as ArmGateway, {
      updateConnectionState: (
        plsId: string,
        name: string,
        update: Parameters<ArmGateway['updateConnectionState']>[2],
      ) => {
        if (forwarded >= 20) {
          hung++;
          return new Promise<never>(() => {});
        }
        forwarded++;
        return services.arm.updateConnectionState(plsId, name, update);
      },
    });
    void reconcilePrivateLinkService({ ...services, arm: dying }, await first.approvalPolicy(), PLS, ctx());
    await expect.poll(() => hung, { timeout: 20_000 }).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 200));

    // A second instance, two minutes later (the dead instance's held claims have expired), on the same tables.
    const later = movableClock();
    later.advance(120_000);
    const second = await world(REJECT_ALL, {}, { prefix, queue, clock: later });
    await timer(second);
    const perConnection = successfulPuts(emulators.current as ArmEmulator);
    for (const name of names) {
      expect(emulators.current?.world.connection(PLS, name)?.status).toBe('Rejected');
      expect(perConnection.get(connectionPath(PLS, name))).toBe(1);
    }
  }, 60_000);
});

describe('deciding while the list is recorded', () => {
  it("a decision's record (written with its outcome row) lands after the listed records, even when those are slow", async () => {
    const container = await world(APPROVE_ALL);
    const names = pendingConnections(emulators.current as ArmEmulator, 3);
    const services = await container.approvalServices();
    const real = services.records;
    let decisionWritten: () => void = () => {};
    const decisionDone = new Promise<void>((resolve) => {
      decisionWritten = resolve;
    });
    // The list's own record write is held until a decision's outcome row and record have landed,
    // or 3 s: without the ordering, the listed "Pending" would overwrite the decided "Approved".
    const records = Object.assign(Object.create(real) as typeof real, {
      apply: async (...args: Parameters<typeof real.apply>) => {
        await Promise.race([decisionDone, new Promise((resolve) => setTimeout(resolve, 3_000))]);
        return real.apply(...args);
      },
    });
    const audit = Object.assign(Object.create(services.audit) as typeof services.audit, {
      writeMany: async (...args: Parameters<typeof services.audit.writeMany>) => {
        const failed = await services.audit.writeMany(...args);
        if (args[1] !== undefined && args[1].size > 0) decisionWritten();
        return failed;
      },
    });
    const summary = await reconcilePrivateLinkService(
      { ...services, records, audit },
      await container.approvalPolicy(),
      PLS,
      ctx(),
    );
    expect(summary.outcomes.applied).toBe(3);
    const stored = await real.listForPls(PLS);
    for (const name of names) {
      expect(stored.get(connectionKey(name))?.status).toBe('Approved');
      expect(stored.get(connectionKey(name))?.decision?.actorKind).toBe('policy');
    }
  }, 60_000);
});

describe('event fast path statistics', () => {
  it('credits a connection found by an event-triggered run to the event, the others to reconciliation', async () => {
    const container = await world(REJECT_ALL);
    pendingConnections(emulators.current as ArmEmulator, 2);
    await timer(container); // the first list finds what existed before: no arrivals
    const services = await container.approvalServices();
    expect((await readFastPathStats(services)).newConnections).toBe(0);

    const [byEvent = ''] = pendingConnections(emulators.current as ArmEmulator, 1, PLS);
    setContainer(container);
    const changedAt = new Date();
    await onConnectionEvent.handler(
      {
        id: 'new-connection',
        topic: '/subscriptions/11111111-1111-1111-1111-111111111111',
        subject: `${PLS}/privateEndpointConnections/${byEvent}`,
        eventType: 'Microsoft.Resources.ResourceWriteSuccess',
        eventTime: changedAt.toISOString(),
        dataVersion: '2',
        metadataVersion: '1',
        data: {
          operationName: 'Microsoft.Network/privateLinkServices/privateEndpointConnections/write',
          resourceUri: `${PLS}/privateEndpointConnections/${byEvent}`,
          status: 'Succeeded',
        },
      },
      new InvocationContext({ invocationId: 'e', logHandler: () => {} }),
    );
    expect(await drain(container)).toBe(1);
    emulators.current?.world.addConnection({
      plsId: PLS,
      privateEndpointId: privateEndpointIdOf(OTHER_SUB, 'pe-late'),
    });
    const { entries, log } = collectLog();
    await timer(container, log);

    const stats = await readFastPathStats(services);
    expect(stats.newConnections).toBe(2);
    expect(stats.byEvent).toMatchObject({
      count: 1,
      eventTypes: ['Microsoft.Resources.ResourceWriteSuccess'],
    });
    expect(stats.byEvent.topics).toEqual(['/subscriptions/11111111-1111-1111-1111-111111111111']);
    expect(stats.byEvent.medianDelayMs).toBeGreaterThanOrEqual(0);
    expect(stats.byEvent.medianDelayMs).toBeLessThan(60_000);
    expect(stats.byReconciliation.count).toBe(1);
    const line = entries.find((e) => e.event === 'approval.fast_path')?.line;
    expect(line).toMatch(/^event fast path: 1 of 2 new connections in the last 30 days arrived by event/);
  });
});
