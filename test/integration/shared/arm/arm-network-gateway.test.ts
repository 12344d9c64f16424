import { beforeEach, describe, expect, it } from 'vitest';
import { ArmMetrics } from '../../../../shared/arm/arm-metrics';
import { ArmNetworkGateway } from '../../../../shared/arm/arm-network-gateway';
import { appErrorFrom } from '../../../helpers/app-errors';
import {
  PROVIDER_SUBSCRIPTION,
  plsIdOf,
  populateConnections,
  privateEndpointIdOf,
  staticArmCredential,
  useArmEmulator,
} from '../../../helpers/arm-emulator';

const CONSUMER = 'c0000000-0000-4000-8000-000000000001';
const arm = useArmEmulator({ pageSize: 100 });

function gateway(overrides: Partial<ConstructorParameters<typeof ArmNetworkGateway>[0]> = {}) {
  return new ArmNetworkGateway({
    endpoint: new URL(arm.emulator.url),
    scope: 'https://management.azure.com/.default',
    credential: staticArmCredential(),
    retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 40, maxTotalWaitMs: 5_000 },
    lroPollIntervalMs: 5,
    ...overrides,
  });
}

let counter = 0;
function freshPls(autoApproval: string[] = [CONSUMER]): string {
  counter += 1;
  const id = plsIdOf(`pls-gw-${counter}`);
  arm.emulator.world.addPrivateLinkService({ id, autoApproval, visibility: ['*'] });
  return id;
}

beforeEach(() => {
  arm.emulator.faults.clear();
});

describe('ArmNetworkGateway against the ARM emulator (real @azure/arm-network client)', () => {
  it('lists every connection across pages, following nextLink', async () => {
    const plsId = freshPls();
    populateConnections(arm.emulator.world, {
      plsIds: [plsId],
      perPls: 250,
      consumerSubscriptions: [CONSUMER],
    });
    const metrics = new ArmMetrics();
    const connections = await gateway({ metrics }).listPlsConnections(plsId);
    expect(connections).toHaveLength(250);
    expect(new Set(connections.map((c) => c.name)).size).toBe(250);
    expect(metrics.snapshot().requests.list).toBe(3);
    const first = connections[0];
    expect(first?.plsId).toBe(plsId);
    expect(first?.status).toBe('Pending');
    expect(first?.description).toMatch(/^CHG\d{7}/);
    expect(first?.privateEndpointId).toContain(`/subscriptions/${CONSUMER}/`);
    expect(first?.etag).toMatch(/^W\/"/);
    expect(first?.id).toBe(`${plsId}/privateEndpointConnections/${first?.name}`);
  });

  it('reads the Private Link Service', async () => {
    const plsId = freshPls();
    const info = await gateway().getPrivateLinkService(plsId);
    expect(info).toMatchObject({ id: plsId, location: 'westeurope', autoApprovalSubscriptions: [CONSUMER] });
    expect(info.alias).toMatch(/\.azure\.privatelinkservice$/);
  });

  it('approves, then rejects; Rejected → Approved is refused, carrying ARM code', async () => {
    const plsId = freshPls();
    const [connection] = populateConnections(arm.emulator.world, {
      plsIds: [plsId],
      perPls: 1,
      consumerSubscriptions: [CONSUMER],
    });
    const name = connection?.name ?? '';
    const gw = gateway();
    const approved = await gw.updateConnectionState(plsId, name, {
      status: 'Approved',
      description: 'ok by policy',
    });
    expect(approved).toMatchObject({ status: 'Approved', description: 'ok by policy' });
    expect((await gw.readConnection(plsId, name)).status).toBe('Approved');
    const rejected = await gw.updateConnectionState(plsId, name, {
      status: 'Rejected',
      description: 'revoked',
    });
    expect(rejected.status).toBe('Rejected');
    const error = await appErrorFrom(
      gw.updateConnectionState(plsId, name, { status: 'Approved', description: 'again' }),
    );
    // NRP's exact code is unpublished: the emulator answers a generic 400, and the product decides by
    // the state it re-reads, never by this code.
    expect(error.code).toBe('arm_error');
    expect(error.upstreamCode).toBe('BadRequest');
    expect((await gw.readConnection(plsId, name)).status).toBe('Rejected');
  });

  it('refuses a stale etag (If-Match) as arm_conflict', async () => {
    const plsId = freshPls();
    const [connection] = populateConnections(arm.emulator.world, {
      plsIds: [plsId],
      perPls: 1,
      consumerSubscriptions: [CONSUMER],
    });
    const gw = gateway();
    const read = await gw.readConnection(plsId, connection?.name ?? '');
    arm.emulator.world.updateConnectionState(plsId, read.name, {
      status: 'Rejected',
      description: 'someone else',
    });
    const error = await appErrorFrom(
      gw.updateConnectionState(plsId, read.name, {
        status: 'Approved',
        description: 'x',
        ...(read.etag ? { ifMatch: read.etag } : {}),
      }),
    );
    expect(error).toMatchObject({ code: 'arm_conflict', upstreamCode: 'PreconditionFailed' });
  });

  it('maps 404 to arm_not_found', async () => {
    const plsId = freshPls();
    const error = await appErrorFrom(gateway().readConnection(plsId, 'nope.123'));
    expect(error).toMatchObject({ code: 'arm_not_found', upstreamCode: 'ResourceNotFound' });
    const missingPls = await appErrorFrom(gateway().listPlsConnections(plsIdOf('does-not-exist')));
    expect(missingPls.code).toBe('arm_not_found');
  });

  it('deletes a connection through the long-running operation', async () => {
    const plsId = freshPls();
    const [connection] = populateConnections(arm.emulator.world, {
      plsIds: [plsId],
      perPls: 1,
      consumerSubscriptions: [CONSUMER],
    });
    const metrics = new ArmMetrics();
    await gateway({ metrics }).deleteConnection(plsId, connection?.name ?? '');
    expect(arm.emulator.world.connection(plsId, connection?.name ?? '')).toBeUndefined();
    expect(metrics.snapshot().requests.delete).toBe(1);
    expect(metrics.snapshot().requests.poll).toBeGreaterThanOrEqual(1);
  });

  it('reads the consumer side state of a private endpoint', async () => {
    const plsId = freshPls([]);
    const peId = privateEndpointIdOf(CONSUMER, 'pe-consumer-view');
    const { endpoint } = arm.emulator.world.createPrivateEndpoint({
      id: peId,
      location: 'westeurope',
      target: plsId,
      requestMessage: 'hi',
    });
    const gw = gateway();
    expect(await gw.getPrivateEndpointConnectionStatus(peId)).toBe('Pending');
    await gw.updateConnectionState(plsId, endpoint.plsConnectionName, {
      status: 'Approved',
      description: 'welcome',
    });
    expect(await gw.getPrivateEndpointConnectionStatus(peId)).toBe('Approved');
    await gw.deleteConnection(plsId, endpoint.plsConnectionName);
    expect(await gw.getPrivateEndpointConnectionStatus(peId)).toBe('Disconnected');
  });

  it('sends the credential token (the emulator accepts only that token)', async () => {
    const plsId = freshPls();
    const credential = staticArmCredential();
    await gateway({ credential }).getPrivateLinkService(plsId);
    expect(credential.calls).toBeGreaterThan(0);
    const wrong = await appErrorFrom(
      gateway({ credential: staticArmCredential('other-token') }).getPrivateLinkService(plsId),
    );
    expect(wrong).toMatchObject({ code: 'arm_error', upstreamCode: 'InvalidAuthenticationToken' });
  });

  it('uses one SDK client per subscription and keeps our retry policy in place of the SDK one', async () => {
    const names = await gateway().pipelinePolicyNames(PROVIDER_SUBSCRIPTION);
    expect(names).toContain('armRetryPolicy');
    expect(names).not.toContain('defaultRetryPolicy');
    expect(names).toContain('loopbackBearerTokenPolicy');
    expect(names).not.toContain('bearerTokenAuthenticationPolicy');
  });
});
