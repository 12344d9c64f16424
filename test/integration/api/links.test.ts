import { describe, expect, it } from 'vitest';
import { reconcilePrivateLinkService } from '../../../shared/approval/use-cases/reconcile-pls';
import type { Container } from '../../../shared/composition-root';
import { collectLog } from '../shared/approval/approval-world';
import {
  addPending,
  OTHER_SUBSCRIPTION,
  OTHER_TENANT,
  scenario,
  TRUSTED_SUBSCRIPTION,
  TRUSTED_TENANT,
  useApi,
} from './api-harness';

/**
 * The link-ID registry: each reconciliation list keeps ARM's `linkIdentifier` on the connection
 * record, and GET /api/links/{linkId} answers who is behind it from the records alone.
 */
const api = useApi();

async function reconcile(container: Container, plsId: string): Promise<void> {
  const services = await container.approvalServices();
  const policy = await container.approvalPolicy();
  await reconcilePrivateLinkService(services, policy, plsId, {
    trigger: 'timer',
    correlationId: 'links-test',
    log: collectLog().log,
  });
}

function linkIdOf(plsId: string, connection: string): string {
  const found = api.emulator.world.privateLinkService(plsId)?.connections.get(connection.toLowerCase());
  if (found === undefined) throw new Error(`no connection ${connection}`);
  return found.linkIdentifier;
}

describe('GET /api/links/{linkId}', () => {
  it('answers the consumer, endpoint, service, rule and status behind a link id once a run has listed it', async () => {
    const s = scenario(api.emulator);
    const plsId = s.plsIds[0] as string;
    const approved = addPending(api.emulator, plsId, { subscription: TRUSTED_SUBSCRIPTION });
    const pending = addPending(api.emulator, plsId, { subscription: OTHER_SUBSCRIPTION });
    await reconcile(s.container, plsId);

    const response = await api.call('GET', `links/${linkIdOf(plsId, approved)}`, { as: 'reader' });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({
      linkId: linkIdOf(plsId, approved),
      customer: null,
      consumerTenantId: TRUSTED_TENANT,
      consumerSubscriptionId: TRUSTED_SUBSCRIPTION,
      pls: { id: plsId, name: s.plsNames[0] },
      connection: approved,
      status: 'Approved',
      rule: 'trusted-tenant',
      decidedBy: 'policy',
    });
    expect((response.body as { privateEndpointId: string }).privateEndpointId).toMatch(
      /privateEndpoints\/pe-api-/,
    );

    const other = await api.call('GET', `links/${linkIdOf(plsId, pending)}`, { as: 'reader' });
    expect(other.body).toMatchObject({
      consumerTenantId: OTHER_TENANT,
      status: 'Pending',
      rule: null,
      decidedBy: null,
    });
  });

  it('learns the link id for a record written without one (records from before the registry)', async () => {
    const s = scenario(api.emulator);
    const plsId = s.plsIds[0] as string;
    const connection = addPending(api.emulator, plsId, { subscription: OTHER_SUBSCRIPTION });
    await reconcile(s.container, plsId);
    const { records } = await s.container.approvalServices();
    const changedAt = (await records.get(plsId, connection))?.changedAt;
    // Clear the column as a record of an earlier version would have it (Table Storage clears with '').
    await records.apply(plsId, [{ connectionName: connection, linkId: '' }], []);
    const linkId = linkIdOf(plsId, connection);
    expect((await api.call('GET', `links/${linkId}`, { as: 'reader' })).status).toBe(404);

    await reconcile(s.container, plsId);
    const response = await api.call('GET', `links/${linkId}`, { as: 'reader' });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ connection, status: 'Pending' });
    // Learning the id is not a change of the connection: its change time stays.
    expect((await records.get(plsId, connection))?.changedAt).toBe(changedAt);
  });

  it('refuses a malformed link id (400) and answers an unknown one 404, without any ARM read', async () => {
    scenario(api.emulator);
    const reads = api.emulator.requestLog.entries.length;
    for (const bad of ['12a', '-1', '4294967296', '99999999999', '1.5', '%20', '123456789012345678901']) {
      const response = await api.call('GET', `links/${bad}`, { as: 'reader' });
      expect(response.status, bad).toBe(400);
      expect(response.body).toMatchObject({ code: 'validation_failed' });
    }
    const unknown = await api.call('GET', 'links/4294967295', { as: 'reader' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'not_found' });
    expect(api.emulator.requestLog.entries.length).toBe(reads);
  });

  it('reads leading zeros as the same id', async () => {
    const s = scenario(api.emulator);
    const plsId = s.plsIds[0] as string;
    const connection = addPending(api.emulator, plsId);
    await reconcile(s.container, plsId);
    const response = await api.call('GET', `links/000${linkIdOf(plsId, connection)}`, { as: 'reader' });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ connection, linkId: linkIdOf(plsId, connection) });
  });

  it('needs the reader role', async () => {
    scenario(api.emulator);
    expect((await api.call('GET', 'links/1', { as: 'anonymous' })).status).toBe(401);
    expect((await api.call('GET', 'links/1', { as: 'none' })).status).toBe(403);
  });
});
