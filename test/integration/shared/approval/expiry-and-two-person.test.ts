import { describe, expect, it } from 'vitest';
import type { ArmEmulator } from '../../../../emulators/arm';
import { decideByPerson } from '../../../../shared/api/use-cases/decide-by-person';
import { getConnectionDetail } from '../../../../shared/api/use-cases/get-connection';
import type { AuditEntry } from '../../../../shared/approval/core/audit-entry';
import { reconcilePrivateLinkService } from '../../../../shared/approval/use-cases/reconcile-pls';
import type { Clock } from '../../../../shared/clock';
import type { Container } from '../../../../shared/composition-root';
import { silentLog } from '../../../../shared/log';
import { appErrorFrom } from '../../../helpers/app-errors';
import {
  armTestContainer,
  plsIdOf,
  privateEndpointIdOf,
  useArmEmulatorPerTest,
} from '../../../helpers/arm-emulator';
import { collectLog, OTHER_SUB } from './approval-world';

/**
 * Approvals that end (reminder, notice on the connection, removal after the grace period, renewal)
 * and the two-person rule, against the ARM emulator and Azurite, on a clock the test moves. Each
 * test goes red when the guard it names is removed (the session report lists how each was checked).
 */

const emulators = useArmEmulatorPerTest();
const PLS = plsIdOf('pls-terms');
const HOUR = 3_600_000;
const T0 = Date.parse('2027-01-04T09:00:00Z');

const TERM_POLICY = `
version: 1
default: { action: manual }
rules:
  - name: two-days
    action: approve
    approveFor: P2D
    description: "Welcome for two days"
`;
const TWO_PERSON_POLICY = `
version: 1
default: { action: manual }
twoPersonServices: [pls-terms]
rules:
  - name: trusted
    action: approve
    description: "Welcome"
`;

const ADA = {
  name: 'Ada Lovelace',
  objectId: '0000aaaa-0000-4000-8000-00000000000a',
  tenantId: undefined,
  identityProvider: 'aad',
  roles: ['Gatekeeper.Approver'],
};
const BOB = { ...ADA, name: 'Bob', objectId: '0000bbbb-0000-4000-8000-00000000000b' };

class MovableClock implements Clock {
  constructor(public at: number) {}
  now(): Date {
    return new Date(this.at);
  }
  to(hoursAfterT0: number): void {
    this.at = T0 + hoursAfterT0 * HOUR;
  }
}

interface World {
  readonly emulator: ArmEmulator;
  readonly clock: MovableClock;
  readonly container: Container;
  readonly name: string;
}

async function world(
  policy: string,
  env: Record<string, string> = {},
  connectionStatus?: 'Approved',
): Promise<World> {
  const emulator = await emulators.start();
  emulator.world.addPrivateLinkService({ id: PLS });
  const connection = emulator.world.addConnection({
    plsId: PLS,
    privateEndpointId: privateEndpointIdOf(OTHER_SUB, 'pe-terms'),
    requestMessage: 'please',
    ...(connectionStatus !== undefined ? { status: connectionStatus, description: 'Approved earlier' } : {}),
  });
  const clock = new MovableClock(T0);
  const container = armTestContainer(
    emulator,
    [PLS],
    {
      APPROVAL_POLICY: policy,
      APPROVAL_EXPIRY_REMINDER_HOURS: '24',
      APPROVAL_EXPIRY_GRACE_HOURS: '12',
      ...env,
    },
    { clock },
  );
  return { emulator, clock, container, name: connection.name };
}

async function reconcile(w: World, container: Container = w.container): Promise<void> {
  const services = await container.approvalServices();
  await reconcilePrivateLinkService(services, await container.approvalPolicy(), PLS, {
    trigger: 'timer',
    correlationId: `run-${w.clock.at}`,
    log: collectLog().log,
  });
}

async function history(w: World): Promise<AuditEntry[]> {
  return (await w.container.approvalServices()).audit.listByConnection(PLS, w.name);
}

const outcomes = (rows: readonly AuditEntry[], action: AuditEntry['action'], result = 'succeeded') =>
  rows.filter((r) => r.kind === 'outcome' && r.action === action && r.result === result);

/** A connection Approved in ARM whose record says the approval ends at `endsAt`, at a given stage. */
async function approvedWithEnd(w: World, endsAt: string, stage?: string): Promise<void> {
  const services = await w.container.approvalServices();
  await reconcile(w); // records the connection as listed
  await services.records.apply(
    PLS,
    [
      {
        connectionName: w.name,
        approvalEndsAt: endsAt,
        ...(stage !== undefined ? { expiryStage: stage, expiryStageFor: endsAt } : {}),
      },
    ],
    [],
  );
}

function person(
  principal: typeof ADA,
  action: 'approve' | 'reject',
  w: World,
  extra: { until?: string } = {},
) {
  return decideByPerson(
    w.container,
    {
      pls: PLS,
      connection: w.name,
      action,
      reason: action === 'reject' ? 'not this one' : undefined,
      principal,
      correlationId: `${principal.name}-${action}`,
      ...extra,
    },
    collectLog().log,
  );
}

describe('an approval that ends', () => {
  it('reminds once, tells the consumer on the connection at the end, and removes it after the grace period', async () => {
    const w = await world(TERM_POLICY);
    await reconcile(w);
    expect(w.emulator.world.connection(PLS, w.name)?.status).toBe('Approved');
    const ends = new Date(T0 + 48 * HOUR).toISOString();
    const approved = outcomes(await history(w), 'approve');
    expect(approved[0]?.approvalEndsAt).toBe(ends);
    const detail = await getConnectionDetail(
      w.container,
      { pls: 'pls-terms', connection: w.name },
      silentLog,
    );
    expect(detail.connection.approvalEndsAt).toBe(ends);

    w.clock.to(1);
    await reconcile(w);
    expect(outcomes(await history(w), 'expiry-reminder')).toHaveLength(0);

    w.clock.to(25); // 23 h before the end: within the 24 h reminder window
    await reconcile(w);
    await reconcile(w); // a second run (or a redelivered trigger) must not remind again
    w.clock.to(26);
    await reconcile(w);
    const reminders = outcomes(await history(w), 'expiry-reminder');
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.approvalEndsAt).toBe(ends);
    expect(w.emulator.world.connection(PLS, w.name)?.description).toBe(
      'Access ends on 2027-01-06 09:00 UTC. Ask the provider to renew it before then.',
    );

    w.clock.to(49);
    await reconcile(w);
    const notice = w.emulator.world.connection(PLS, w.name);
    expect(notice?.status).toBe('Approved');
    expect(notice?.description).toMatch(
      /^Access ended 2027-01-06 09:00 UTC\. This connection is removed after 2027-01-06 21:00 UTC/,
    );
    expect(notice?.description?.length).toBeLessThanOrEqual(140);

    w.clock.to(59); // grace not over yet
    await reconcile(w);
    expect(w.emulator.world.connection(PLS, w.name)).toBeDefined();

    w.clock.to(61);
    await reconcile(w);
    expect(w.emulator.world.connection(PLS, w.name)).toBeUndefined();
    // The consumer's side: its endpoint shows Disconnected, so it can delete it and ask again.
    const gateway = (await w.container.approvalServices()).arm;
    expect(await gateway.getPrivateEndpointConnectionStatus(privateEndpointIdOf(OTHER_SUB, 'pe-terms'))).toBe(
      'Disconnected',
    );
    const rows = await history(w);
    expect(outcomes(rows, 'expiry-notice')).toHaveLength(1);
    expect(outcomes(rows, 'expiry-removal')).toHaveLength(1);
    expect(w.emulator.requestLog.count('connection.delete')).toBe(1);
  });

  it('is renewed through the API: a new until cancels the removal under way', async () => {
    const w = await world(TERM_POLICY);
    await reconcile(w);
    w.clock.to(25);
    await reconcile(w);
    w.clock.to(49);
    await reconcile(w); // the notice: "Access ended …"
    const until = new Date(T0 + 30 * 24 * HOUR).toISOString();
    const renewed = await person(ADA, 'approve', w, { until });
    expect(renewed).toMatchObject({ outcome: 'renewed', approvalEndsAt: until, status: 'Approved' });
    expect(w.emulator.world.connection(PLS, w.name)?.description).toBe(
      'Access renewed; it ends on 2027-02-03 09:00 UTC.',
    );

    w.clock.to(61);
    await reconcile(w);
    w.clock.to(80);
    await reconcile(w);
    expect(w.emulator.world.connection(PLS, w.name)?.status).toBe('Approved');
    expect(w.emulator.requestLog.count('connection.delete')).toBe(0);
    expect(outcomes(await history(w), 'renew')).toHaveLength(1);
  });

  it('refuses an until in the past, naming the field', async () => {
    const w = await world(TERM_POLICY);
    const error = await appErrorFrom(person(ADA, 'approve', w, { until: new Date(T0 - HOUR).toISOString() }));
    expect(error.code).toBe('validation_failed');
    expect(error.issues[0]?.path).toBe('body.until');
  });

  it('in dry-run audits each step once and writes nothing to ARM; with mode off nothing happens at all', async () => {
    for (const mode of ['dry-run', 'off'] as const) {
      const w = await world(TERM_POLICY, { APPROVAL_MODE: mode }, 'Approved');
      await approvedWithEnd(w, new Date(T0 + 10 * HOUR).toISOString());
      for (const hours of [1, 2, 11, 12, 23, 24]) {
        w.clock.to(hours);
        await reconcile(w);
      }
      expect(w.emulator.requestLog.count('connection.put')).toBe(0);
      expect(w.emulator.requestLog.count('connection.delete')).toBe(0);
      expect(w.emulator.world.connection(PLS, w.name)?.status).toBe('Approved');
      const rows = await history(w);
      const dry = (action: AuditEntry['action']) => outcomes(rows, action, 'dry-run').length;
      const expected = mode === 'dry-run' ? 1 : 0;
      expect([dry('expiry-reminder'), dry('expiry-notice'), dry('expiry-removal')], mode).toEqual([
        expected,
        expected,
        expected,
      ]);
      expect(
        rows.filter((r) => r.result === 'succeeded'),
        mode,
      ).toHaveLength(0);
    }
  });

  it('is removed once when two instances run at the same moment', async () => {
    const w = await world(TERM_POLICY, {}, 'Approved');
    const ends = new Date(T0 - 13 * HOUR).toISOString();
    await approvedWithEnd(w, ends, 'ended');
    // A second instance: its own container (stores, claim store, gateway) on the same storage and ARM.
    const prefix = w.container.config.tablePrefix;
    const other = armTestContainer(
      w.emulator,
      [PLS],
      {
        APPROVAL_POLICY: TERM_POLICY,
        APPROVAL_EXPIRY_REMINDER_HOURS: '24',
        APPROVAL_EXPIRY_GRACE_HOURS: '12',
        TABLE_NAME_PREFIX: prefix,
      },
      { clock: w.clock },
    );
    await Promise.all([reconcile(w), reconcile(w, other), reconcile(w), reconcile(w, other)]);
    expect(w.emulator.world.connection(PLS, w.name)).toBeUndefined();
    expect(outcomes(await history(w), 'expiry-removal')).toHaveLength(1);
    expect(w.emulator.requestLog.count('connection.delete', (e) => e.status === 202)).toBe(1);
  });

  it('survives a partial ARM outage: the failed step is audited, and a later run does it; nothing is lost', async () => {
    const w = await world(TERM_POLICY, {}, 'Approved');
    await approvedWithEnd(w, new Date(T0 + HOUR).toISOString());
    // Reads work, writes fail: every PUT and DELETE answers 503 for a while (beyond the gateway's retries).
    const outage = Array.from({ length: 12 }, () => ({ type: 'status' as const, status: 503 }));
    w.emulator.faults.script({ kind: ['connection.put', 'connection.delete'] }, outage);
    w.clock.to(0.5);
    await reconcile(w); // reminder: fails
    let rows = await history(w);
    expect(outcomes(rows, 'expiry-reminder', 'failed').length).toBeGreaterThan(0);
    expect(outcomes(rows, 'expiry-reminder')).toHaveLength(0);
    w.emulator.faults.clear();

    for (const hours of [0.6, 2, 14]) {
      w.clock.to(hours);
      await reconcile(w);
    }
    rows = await history(w);
    expect(outcomes(rows, 'expiry-reminder')).toHaveLength(1);
    expect(outcomes(rows, 'expiry-notice')).toHaveLength(1);
    expect(outcomes(rows, 'expiry-removal')).toHaveLength(1);
    expect(w.emulator.world.connection(PLS, w.name)).toBeUndefined();
  });
});

describe('the two-person rule', () => {
  it('records the first approval (1 of 2) without writing to ARM; the policy leaves the connection for people', async () => {
    const w = await world(TWO_PERSON_POLICY);
    await reconcile(w);
    expect(w.emulator.world.connection(PLS, w.name)?.status).toBe('Pending');
    const verdict = (await history(w)).find((r) => r.kind === 'verdict');
    expect(verdict?.reason).toMatch(/two approvals by different people \(two-person rule\); left for people/);

    const first = await person(ADA, 'approve', w);
    expect(first.outcome).toBe('first-approval');
    expect(first.approvals).toMatchObject({ required: 2, given: 1, text: '1 of 2', firstBy: 'Ada Lovelace' });
    expect(w.emulator.requestLog.count('connection.put')).toBe(0);
    expect(w.emulator.world.connection(PLS, w.name)?.status).toBe('Pending');
    // The API's connection shows it too (the dashboard's row reads this field).
    const detail = await getConnectionDetail(
      w.container,
      { pls: 'pls-terms', connection: w.name },
      silentLog,
    );
    expect(detail.connection.approvals).toMatchObject({
      required: 2,
      given: 1,
      text: '1 of 2',
      firstBy: 'Ada Lovelace',
    });

    const second = await person(BOB, 'approve', w);
    expect(second.outcome).toBe('applied');
    expect(w.emulator.world.connection(PLS, w.name)).toMatchObject({
      status: 'Approved',
      description: 'Approved by Ada Lovelace and Bob via the gatekeeper API',
    });
  });

  it('refuses the same person twice, whatever the name or the case of the object id', async () => {
    const w = await world(TWO_PERSON_POLICY);
    await person(ADA, 'approve', w);
    const again = { ...ADA, name: 'A. Lovelace', objectId: ADA.objectId.toUpperCase() };
    const error = await appErrorFrom(person(again, 'approve', w));
    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(/two-person rule needs a second approval by a different person/);
    expect(w.emulator.requestLog.count('connection.put')).toBe(0);
    expect(w.emulator.world.connection(PLS, w.name)?.status).toBe('Pending');
  });

  it('lets a first approval lapse after TWO_PERSON_APPROVAL_HOURS: a later approval is a first one again', async () => {
    const w = await world(TWO_PERSON_POLICY, { TWO_PERSON_APPROVAL_HOURS: '8' });
    await person(ADA, 'approve', w);
    w.clock.to(9);
    const late = await person(BOB, 'approve', w);
    expect(late.outcome).toBe('first-approval');
    expect(late.approvals?.firstBy).toBe('Bob');
    expect(w.emulator.requestLog.count('connection.put')).toBe(0);
  });

  it('lets a single rejection decide, with or without a first approval before it', async () => {
    const alone = await world(TWO_PERSON_POLICY);
    expect((await person(ADA, 'reject', alone)).outcome).toBe('applied');
    expect(alone.emulator.world.connection(PLS, alone.name)?.status).toBe('Rejected');

    const w = await world(TWO_PERSON_POLICY);
    await person(ADA, 'approve', w);
    const rejected = await person(ADA, 'reject', w);
    expect(rejected.outcome).toBe('applied');
    expect(w.emulator.world.connection(PLS, w.name)?.status).toBe('Rejected');
    expect(w.emulator.requestLog.count('connection.put')).toBe(1);
  });
});
