import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ArmEmulator, armSeed } from '../../../../emulators/arm';
import { decideByPerson } from '../../../../shared/api/use-cases/decide-by-person';
import type { ApprovalServices } from '../../../../shared/approval/use-cases/approval-services';
import { reconcileAll } from '../../../../shared/approval/use-cases/reconcile-all';
import { reconcilePrivateLinkService } from '../../../../shared/approval/use-cases/reconcile-pls';
import type { ArmGateway } from '../../../../shared/arm/arm-gateway';
import type { Container } from '../../../../shared/composition-root';
import { appErrorFrom } from '../../../helpers/app-errors';
import {
  armTestContainer,
  plsIdOf,
  privateEndpointIdOf,
  TEST_TOKEN,
  useArmEmulatorPerTest,
} from '../../../helpers/arm-emulator';
import { uniqueTablePrefix } from '../../../helpers/storage';
import {
  collectLog,
  connectionPath,
  seedWorld,
  servicesAndPolicy,
  successfulPuts,
  TEST_POLICY,
  TRUSTED_SUBS,
} from './approval-world';

/**
 * What the decision path still guarantees if Azure ignores `If-Match` on the connection PUT (the REST
 * spec declares none on PrivateLinkServices_UpdatePrivateEndpointConnection, and NRP has been seen
 * ignoring ETags on other PUTs): the emulator's `ignoreIfMatchOnConnectionPut` plays that NRP. The
 * claim and the re-read hold on their own; the last test shows the window only If-Match closes.
 */

const emulators = useArmEmulatorPerTest();
const PLS = plsIdOf('pls-if-match');
const REJECT_ALL =
  'version: 1\ndefault: { action: manual }\nrules: [{ name: no, action: reject, description: "Not accepted here" }]';
const ADA = {
  name: 'Ada Lovelace',
  objectId: '0000aaaa-0000-4000-8000-000000000001',
  tenantId: undefined,
  identityProvider: 'aad',
  roles: ['Gatekeeper.Approver'],
};
const ctx = () => ({ trigger: 'timer' as const, correlationId: randomUUID(), log: collectLog().log });

async function startWorld(ignoreIfMatch: boolean): Promise<{ arm: ArmEmulator; container: Container }> {
  const arm = await emulators.start({ ignoreIfMatchOnConnectionPut: ignoreIfMatch });
  arm.world.addPrivateLinkService({ id: PLS });
  return { arm, container: armTestContainer(arm, [PLS], { APPROVAL_POLICY: REJECT_ALL }) };
}

function pending(arm: ArmEmulator, count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) =>
      arm.world.addConnection({
        plsId: PLS,
        privateEndpointId: privateEndpointIdOf(TRUSTED_SUBS[i % 2] ?? '', `pe-${i}`),
        requestMessage: `request ${i}`,
      }).name,
  );
}

/** The gateway with `before` awaited just before each PUT is sent (after the decision path's re-read). */
function beforePut(
  services: ApprovalServices,
  before: (plsId: string, name: string) => Promise<void> | void,
): ApprovalServices {
  const arm: ArmGateway = Object.assign(Object.create(services.arm) as ArmGateway, {
    updateConnectionState: async (
      plsId: string,
      name: string,
      update: Parameters<ArmGateway['updateConnectionState']>[2],
    ) => {
      await before(plsId, name);
      return services.arm.updateConnectionState(plsId, name, update);
    },
  });
  return { ...services, arm };
}

/** Someone approves in the portal: a new status and a new ETag, as ARM gives them. */
function approveInPortal(arm: ArmEmulator, name: string): void {
  const record = arm.world.connection(PLS, name);
  if (record === undefined) throw new Error('connection missing');
  record.status = 'Approved';
  record.description = 'approved in the portal';
  record.etag = `W/"${randomUUID()}"`;
}

describe('the emulator setting', () => {
  for (const ignore of [false, true]) {
    it(`ignoreIfMatchOnConnectionPut=${ignore}: a PUT with a stale If-Match is ${ignore ? 'applied' : 'refused with 412'}`, async () => {
      const { arm } = await startWorld(ignore);
      const [name = ''] = pending(arm, 1);
      const response = await fetch(
        `${arm.url}${PLS}/privateEndpointConnections/${name}?api-version=2025-05-01`,
        {
          method: 'PUT',
          headers: {
            authorization: `Bearer ${TEST_TOKEN}`,
            'content-type': 'application/json',
            'if-match': 'W/"stale"',
          },
          body: JSON.stringify({ properties: { privateLinkServiceConnectionState: { status: 'Rejected' } } }),
        },
      );
      expect(response.status).toBe(ignore ? 200 : 412);
      expect(arm.world.connection(PLS, name)?.status).toBe(ignore ? 'Rejected' : 'Pending');
    });
  }

  it('is read from the seed', async () => {
    const arm = await emulators.start({ seed: armSeed({ ignoreIfMatchOnConnectionPut: true }) });
    arm.world.addPrivateLinkService({ id: PLS });
    const [name = ''] = pending(arm, 1);
    const response = await fetch(
      `${arm.url}${PLS}/privateEndpointConnections/${name}?api-version=2025-05-01`,
      {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${TEST_TOKEN}`,
          'content-type': 'application/json',
          'if-match': '"x"',
        },
        body: JSON.stringify({ properties: { privateLinkServiceConnectionState: { status: 'Approved' } } }),
      },
    );
    expect(response.status).toBe(200);
  });
});

describe('with If-Match ignored, the claim and the re-read still give one decision and one ARM write', () => {
  it('two instances (two containers on the same tables) reconciling at once: one PUT per decided connection', async () => {
    const arm = await emulators.start({ ignoreIfMatchOnConnectionPut: true });
    const { plsIds, connections } = seedWorld(arm, { plsCount: 2, perPls: 60 });
    const env = { APPROVAL_POLICY: TEST_POLICY, TABLE_NAME_PREFIX: uniqueTablePrefix() };
    const a = await servicesAndPolicy(armTestContainer(arm, plsIds, env));
    const b = await servicesAndPolicy(armTestContainer(arm, plsIds, env));
    const { log } = collectLog();
    const [ra, rb] = await Promise.all([
      reconcileAll(a.services, a.policy, plsIds, 2, { trigger: 'timer', correlationId: 'a', log }),
      reconcileAll(b.services, b.policy, [...plsIds].reverse(), 2, {
        trigger: 'timer',
        correlationId: 'b',
        log,
      }),
    ]);
    const puts = successfulPuts(arm);
    const decided = connections.filter((c) => c.expected !== 'Pending');
    for (const c of connections) {
      expect(arm.world.connection(c.plsId, c.name)?.status).toBe(c.expected);
      expect(puts.get(connectionPath(c.plsId, c.name)) ?? 0).toBe(c.expected === 'Pending' ? 0 : 1);
    }
    expect(ra.outcomes.applied + rb.outcomes.applied).toBe(decided.length);
  }, 60_000);

  it('five overlapping runs of one PLS in one instance, without coalescing: one PUT per connection', async () => {
    const { arm, container } = await startWorld(true);
    const names = pending(arm, 40);
    const { services, policy } = await servicesAndPolicy(container);
    await Promise.all(
      Array.from({ length: 5 }, () => reconcilePrivateLinkService(services, policy, PLS, ctx())),
    );
    const puts = successfulPuts(arm);
    for (const name of names) expect(puts.get(connectionPath(PLS, name))).toBe(1);
  }, 60_000);

  it('a person deciding while the policy’s PUT is on its way stops at the claim: one write, the person told 409', async () => {
    const { arm, container } = await startWorld(true);
    const [name = ''] = pending(arm, 1);
    const { services, policy } = await servicesAndPolicy(container);
    let personError: unknown;
    // The person approves after the policy's re-read, just before the policy's reject reaches ARM.
    const racing = beforePut(services, async () => {
      personError = await appErrorFrom(
        decideByPerson(
          container,
          { pls: PLS, connection: name, action: 'approve', reason: 'ok', principal: ADA, correlationId: 'p' },
          collectLog().log,
        ),
      );
    });
    const summary = await reconcilePrivateLinkService(racing, policy, PLS, ctx());
    expect(summary.outcomes.applied).toBe(1);
    expect(personError).toMatchObject({ code: 'conflict' });
    expect(successfulPuts(arm).get(connectionPath(PLS, name))).toBe(1);
    expect(arm.world.connection(PLS, name)?.status).toBe('Rejected');
    const history = await services.audit.listByConnection(PLS, name);
    expect(history.filter((row) => row.actor.kind === 'person' && row.result === 'skipped')).toHaveLength(1);
  });

  it('a change between the list and the re-read is skipped and not overwritten (the re-read)', async () => {
    const { arm, container } = await startWorld(true);
    const [name = ''] = pending(arm, 1);
    const { services, policy } = await servicesAndPolicy(container);
    const gateway: ArmGateway = Object.assign(Object.create(services.arm) as ArmGateway, {
      readConnection: (plsId: string, n: string) => {
        if (arm.world.connection(plsId, n)?.status === 'Pending') approveInPortal(arm, n);
        return services.arm.readConnection(plsId, n);
      },
    });
    const summary = await reconcilePrivateLinkService({ ...services, arm: gateway }, policy, PLS, ctx());
    expect(summary.outcomes.stale).toBe(1);
    expect(arm.world.connection(PLS, name)?.status).toBe('Approved');
    expect(arm.requestLog.count('connection.put')).toBe(0);
  });
});

describe('the window only If-Match closes: another principal writes between our re-read and our PUT', () => {
  for (const ignore of [false, true]) {
    it(`ignoreIfMatchOnConnectionPut=${ignore}: the portal's approval is ${ignore ? 'overwritten by our reject' : 'kept, our decision skipped'}`, async () => {
      const { arm, container } = await startWorld(ignore);
      const [name = ''] = pending(arm, 1);
      const { services, policy } = await servicesAndPolicy(container);
      const racing = beforePut(services, (_p, n) => approveInPortal(arm, n));
      const summary = await reconcilePrivateLinkService(racing, policy, PLS, ctx());
      const [latest] = await services.audit.listByConnection(PLS, name);
      if (ignore) {
        // Approved → Rejected is a transition ARM allows: nothing refuses the write, and the audit
        // says "succeeded" over a state we never read. Only If-Match on ARM's side closes this.
        expect(summary.outcomes.applied).toBe(1);
        expect(arm.world.connection(PLS, name)).toMatchObject({
          status: 'Rejected',
          description: 'Not accepted here',
        });
        expect(latest).toMatchObject({ kind: 'outcome', result: 'succeeded', statusAfter: 'Rejected' });
      } else {
        expect(summary.outcomes.stale).toBe(1);
        expect(arm.world.connection(PLS, name)).toMatchObject({
          status: 'Approved',
          description: 'approved in the portal',
        });
        expect(latest).toMatchObject({ kind: 'outcome', result: 'skipped', statusAfter: 'Approved' });
      }
    });
  }
});
