import { describe, expect, it } from 'vitest';
import { connectionDetailSchema, connectionListSchema } from '../../../shared/api/core/api-schemas';
import { parseBody } from '../../helpers/parse-body';
import {
  addPending,
  OTHER_SUBSCRIPTION,
  OTHER_TENANT,
  scenario,
  TRUSTED_SUBSCRIPTION,
  useApi,
} from './api-harness';

const api = useApi();

describe('GET /api/connections', () => {
  it('lists every connection with tenant, request message and the policy verdict', async () => {
    const s = scenario(api.emulator, { pls: 2 });
    const [a, b] = s.plsIds as [string, string];
    const manual = addPending(api.emulator, a, {
      subscription: OTHER_SUBSCRIPTION,
      message: 'CHG1234567 new consumer',
    });
    const trusted = addPending(api.emulator, b, {
      subscription: TRUSTED_SUBSCRIPTION,
      message: 'CHG7654321 acquired co',
    });
    const noTicket = addPending(api.emulator, b, {
      subscription: OTHER_SUBSCRIPTION,
      message: 'please let me in',
    });

    const response = await api.call('GET', 'connections', { as: 'reader' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-correlation-id')).toBeTruthy();
    const page = await parseBody(connectionListSchema, response);
    expect(page.items.map((i) => i.name).sort()).toEqual([manual, trusted, noTicket].sort());
    expect(page.continuationToken).toBeNull();
    expect(page.policy.problem).toBeNull();
    const byName = new Map(page.items.map((i) => [i.name, i]));
    const m = byName.get(manual);
    expect(m?.pls.name).toBe(s.plsNames[0]);
    expect(m?.consumerSubscriptionId).toBe(OTHER_SUBSCRIPTION);
    expect(m?.consumerTenantId).toBe(OTHER_TENANT);
    expect(m?.requestMessage).toBe('CHG1234567 new consumer');
    expect(m?.policyVerdict).toMatchObject({ action: 'manual', rule: null, effect: 'none' });
    expect(m?.policyVerdict?.reason).toMatch(/no rule matched.*default is manual/);
    expect(byName.get(trusted)?.policyVerdict).toMatchObject({
      action: 'approve',
      rule: 'trusted-tenant',
      effect: 'approve',
    });
    expect(byName.get(noTicket)?.policyVerdict).toMatchObject({
      action: 'reject',
      rule: 'require-ticket',
      effect: 'reject',
    });
  });

  it('filters by status and PLS and pages with a continuation token', async () => {
    const s = scenario(api.emulator, { pls: 2 });
    const [a, b] = s.plsIds as [string, string];
    const pending = [
      ...Array.from({ length: 4 }, () => addPending(api.emulator, a)),
      ...Array.from({ length: 3 }, () => addPending(api.emulator, b)),
    ];
    addPending(api.emulator, a, { status: 'Rejected' });

    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const query = `connections?status=Pending&limit=3${token === null ? '' : `&continuationToken=${token}`}`;
      const response = await api.call('GET', query, { as: 'reader' });
      expect(response.status).toBe(200);
      const page = await parseBody(connectionListSchema, response);
      expect(page.items.length).toBeLessThanOrEqual(3);
      for (const item of page.items) expect(item.status).toBe('Pending');
      seen.push(...page.items.map((i) => i.name));
      token = page.continuationToken;
      pages++;
    } while (token !== null && pages < 10);
    expect(seen.sort()).toEqual([...pending].sort());
    expect(new Set(seen).size).toBe(seen.length);

    const onlyB = await parseBody(
      connectionListSchema,
      await api.call('GET', `connections?pls=${s.plsNames[1]}`, { as: 'reader' }),
    );
    expect(onlyB.items.every((i) => i.pls.id === b)).toBe(true);
    expect(onlyB.items).toHaveLength(3);

    const rejected = await parseBody(
      connectionListSchema,
      await api.call('GET', 'connections?status=rejected', { as: 'reader' }),
    );
    expect(rejected.items.map((i) => i.status)).toEqual(['Rejected']);
    expect(rejected.items[0]?.policyVerdict?.effectReason).toMatch(/delete and recreate/);
  });

  it('refuses a token from another query and a forged token with 400 naming the field', async () => {
    const s = scenario(api.emulator);
    for (let i = 0; i < 3; i++) addPending(api.emulator, s.plsIds[0] as string);
    const first = await parseBody(
      connectionListSchema,
      await api.call('GET', 'connections?limit=1', { as: 'reader' }),
    );
    expect(first.continuationToken).not.toBeNull();
    const other = await api.call(
      'GET',
      `connections?limit=1&status=Pending&continuationToken=${first.continuationToken}`,
      { as: 'reader' },
    );
    expect(other.status).toBe(400);
    expect(other.body).toMatchObject({ code: 'validation_failed', errors: [{ path: 'continuationToken' }] });
    const forged = Buffer.from(JSON.stringify({ v: 2, p: 'x', a: 'y', f: 'z' })).toString('base64url');
    const bad = await api.call('GET', `connections?continuationToken=${forged}`, { as: 'reader' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('reports an invalid current policy instead of failing the list', async () => {
    const s = scenario(api.emulator, { policy: 'version: 1\ndefault: { action: approve }\n' });
    addPending(api.emulator, s.plsIds[0] as string);
    const response = await api.call('GET', 'connections', { as: 'reader' });
    expect(response.status).toBe(200);
    const page = await parseBody(connectionListSchema, response);
    expect(page.policy.version).toBeNull();
    expect(page.policy.problem).toMatch(/default\.action/);
    expect(page.items[0]?.policyVerdict).toBeNull();
  });
});

describe('GET /api/connections/{pls}/{connection}', () => {
  it('answers one connection with its decision history, newest first', async () => {
    const s = scenario(api.emulator);
    const pls = s.plsIds[0] as string;
    const name = addPending(api.emulator, pls, { message: 'CHG1111111 for audit' });
    const approve = await api.call('POST', `connections/${s.plsNames[0]}/${name}/approve`, {
      body: { reason: 'ticket checked' },
    });
    expect(approve.status).toBe(200);

    const response = await api.call('GET', `connections/${s.plsNames[0]}/${name}`, { as: 'reader' });
    expect(response.status).toBe(200);
    const detail = await parseBody(connectionDetailSchema, response);
    expect(detail.connection.status).toBe('Approved');
    expect(detail.connection.requestMessage).toBe('CHG1111111 for audit');
    expect(detail.connection.lastDecision?.actor).toMatchObject({
      kind: 'person',
      name: 'ops@contoso.example',
      objectId: 'a1b2c3d4-0000-0000-0000-000000000001',
    });
    expect(detail.history.map((h) => `${h.kind}:${h.result ?? ''}`)).toEqual([
      'outcome:succeeded',
      'intent:',
    ]);
    expect(detail.connection.policyVerdict?.effectReason).toMatch(/approved by a person/);

    const byId = await api.call('GET', `connections/${encodeURIComponent(pls)}/${name}`, { as: 'reader' });
    expect(byId.status).toBe(200);
  });

  it('answers 404 for an unknown PLS or connection, 400 for names ARM would refuse', async () => {
    const s = scenario(api.emulator);
    const before = api.emulator.requestLog.entries.length;
    const unknownPls = await api.call('GET', 'connections/pls-nope/pe-1.abc', { as: 'reader' });
    expect(unknownPls.status).toBe(404);
    expect(unknownPls.body).toMatchObject({ code: 'not_found', errors: [{ path: 'pls' }] });
    const badName = await api.call('GET', `connections/${s.plsNames[0]}/-bad-`, { as: 'reader' });
    expect(badName.status).toBe(400);
    expect(badName.body).toMatchObject({ errors: [{ path: 'path.connection' }] });
    const badPls = await api.call('GET', `connections/${'x'.repeat(81)}/pe.1`, { as: 'reader' });
    expect(badPls.status).toBe(400);
    expect(api.emulator.requestLog.entries.length).toBe(before);
    const unknownConnection = await api.call('GET', `connections/${s.plsNames[0]}/pe-ghost.1234`, {
      as: 'reader',
    });
    expect(unknownConnection.status).toBe(404);
    expect(unknownConnection.body).toMatchObject({ errors: [{ path: 'connection' }] });
  });

  it('asks for the full id when two managed PLS share a name', async () => {
    const s = scenario(api.emulator, { names: ['pls-twin', 'pls-twin'] });
    const name = addPending(api.emulator, s.plsIds[1] as string);
    const ambiguous = await api.call('GET', `connections/pls-twin/${name}`, { as: 'reader' });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body).toMatchObject({ errors: [{ path: 'pls' }] });
    const byId = await api.call('GET', `connections/${encodeURIComponent(s.plsIds[1] as string)}/${name}`, {
      as: 'reader',
    });
    expect(byId.status).toBe(200);
  });
});

describe('decided by, when and by which rule: the connection record', () => {
  it('lists and shows the decision the record holds, with no audit history to derive it from', async () => {
    const s = scenario(api.emulator);
    const pls = s.plsIds[0] as string;
    const name = addPending(api.emulator, pls, { message: 'CHG2222222 migrate me' });
    api.emulator.world.updateConnectionState(pls, name, { status: 'Approved', description: 'ok' });
    const services = await s.container.approvalServices();
    // A decision known only to the record (the audit has no row for it): what the API shows must
    // come from the record, as it does for a snapshot row migrated from an earlier version.
    await services.records.apply(
      pls,
      [
        {
          plsId: pls,
          connectionId: `${pls}/privateEndpointConnections/${name}`,
          connectionName: name,
          status: 'Approved',
          requestMessage: 'CHG2222222 migrate me',
          firstSeenAt: '2026-10-01T08:00:00.000Z',
          changedAt: '2026-10-02T09:00:00.000Z',
          decision: {
            actorKind: 'person',
            actor: 'lead@contoso.example',
            actorObjectId: 'a1b2c3d4-0000-0000-0000-00000000000f',
            actorTenantId: undefined,
            at: '2026-10-02T09:00:00.000Z',
            action: 'approve',
            rule: undefined,
            reason: 'call with the customer',
            decisionId: 'd-record',
          },
        },
      ],
      [],
    );
    const expected = {
      actor: {
        kind: 'person',
        name: 'lead@contoso.example',
        objectId: 'a1b2c3d4-0000-0000-0000-00000000000f',
      },
      rule: null,
      at: '2026-10-02T09:00:00.000Z',
    };
    const list = await parseBody(
      connectionListSchema,
      await api.call('GET', 'connections', { as: 'reader' }),
    );
    expect(list.items.find((i) => i.name === name)?.lastDecision).toMatchObject(expected);
    const detail = await parseBody(
      connectionDetailSchema,
      await api.call('GET', `connections/${s.plsNames[0]}/${name}`, { as: 'reader' }),
    );
    expect(detail.history).toEqual([]);
    expect(detail.connection.lastDecision).toMatchObject(expected);
    // Approved by a person (the record says so): the policy would leave it alone.
    expect(detail.connection.policyVerdict?.effectReason).toMatch(/approved by a person/);
  });
});
