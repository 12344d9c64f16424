import { describe, expect, it } from 'vitest';
import {
  type DecisionRecord,
  decisionListSchema,
  decisionResultSchema,
  problemSchema,
} from '../../../shared/api/core/api-schemas';
import { parseBody } from '../../helpers/parse-body';
import { addPending, scenario, useApi } from './api-harness';

const api = useApi();

const puts = () => api.emulator.requestLog.count('connection.put');

describe('POST /api/connections/{pls}/{connection}/approve|reject', () => {
  it('approves with a reason written as the description, through the audited decision path', async () => {
    const s = scenario(api.emulator);
    const pls = s.plsIds[0] as string;
    const name = addPending(api.emulator, pls, { message: 'CHG2222222 approve me' });
    const response = await api.call('POST', `connections/${s.plsNames[0]}/${name}/approve`, {
      body: { reason: 'Checked CHG2222222 with the network team' },
    });
    expect(response.status).toBe(200);
    const decision = await parseBody(decisionResultSchema, response);
    expect(decision).toMatchObject({
      outcome: 'applied',
      action: 'approve',
      statusBefore: 'Pending',
      status: 'Approved',
      description: 'Checked CHG2222222 with the network team',
      actor: {
        kind: 'person',
        name: 'ops@contoso.example',
        objectId: 'a1b2c3d4-0000-0000-0000-000000000001',
        tenantId: 'aaaaaaaa-0000-0000-0000-000000000001',
      },
    });
    const arm = api.emulator.world.connection(pls, name);
    expect(arm?.status).toBe('Approved');
    expect(arm?.description).toBe('Checked CHG2222222 with the network team');

    const audit = await parseBody(
      decisionListSchema,
      await api.call('GET', `decisions?pls=${s.plsNames[0]}&connection=${name}`, { as: 'reader' }),
    );
    expect(audit.items.map((i) => i.kind)).toEqual(['outcome', 'intent']);
    expect(audit.items[1]).toMatchObject({
      trigger: 'api',
      action: 'approve',
      requestMessage: 'CHG2222222 approve me',
      actor: { kind: 'person', objectId: 'a1b2c3d4-0000-0000-0000-000000000001' },
    });
  });

  it('approves with an empty JSON body, with a default description naming the person', async () => {
    const s = scenario(api.emulator);
    const name = addPending(api.emulator, s.plsIds[0] as string);
    const response = await api.call('POST', `connections/${s.plsNames[0]}/${name}/approve`);
    expect(response.status).toBe(200);
    expect((await parseBody(decisionResultSchema, response)).description).toBe(
      'Approved by ops@contoso.example via the gatekeeper API',
    );
  });

  it('rejects with a reason; a reject without one is a 400 naming body.reason', async () => {
    const s = scenario(api.emulator);
    const name = addPending(api.emulator, s.plsIds[0] as string);
    const missing = await api.call('POST', `connections/${s.plsNames[0]}/${name}/reject`, { body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ code: 'validation_failed', errors: [{ path: 'body.reason' }] });
    const ok = await api.call('POST', `connections/${s.plsNames[0]}/${name}/reject`, {
      body: { reason: 'Unknown consumer' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      outcome: 'applied',
      status: 'Rejected',
      description: 'Unknown consumer',
    });
  });

  it('answers 409 for Rejected → Approved, telling the consumer to recreate the endpoint, and audits the attempt', async () => {
    const s = scenario(api.emulator);
    const name = addPending(api.emulator, s.plsIds[0] as string, { status: 'Rejected' });
    const before = puts();
    const response = await api.call('POST', `connections/${s.plsNames[0]}/${name}/approve`, {
      body: { reason: 'changed my mind' },
    });
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    expect(response.body).toMatchObject({ code: 'conflict', errors: [{ path: 'status' }] });
    expect((await parseBody(problemSchema, response)).detail).toMatch(
      /delete and recreate the private endpoint/,
    );
    expect(puts()).toBe(before);
    const audit = await parseBody(
      decisionListSchema,
      await api.call('GET', `decisions?pls=${s.plsNames[0]}&connection=${name}`, { as: 'reader' }),
    );
    expect(audit.items.map((i) => i.result)).toEqual(['refused']);
  });

  it('answers 200 unchanged when the connection already has the asked state', async () => {
    const s = scenario(api.emulator);
    const name = addPending(api.emulator, s.plsIds[0] as string, { status: 'Approved' });
    const before = puts();
    const response = await api.call('POST', `connections/${s.plsNames[0]}/${name}/approve`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ outcome: 'unchanged', status: 'Approved', decisionId: null });
    expect(puts()).toBe(before);
  });

  it('turns ARM throttling into 503 with Retry-After', async () => {
    const s = scenario(api.emulator);
    const name = addPending(api.emulator, s.plsIds[0] as string);
    api.emulator.faults.script(
      { kind: 'connection.get' },
      Array.from({ length: 8 }, () => ({ type: 'status' as const, status: 429, retryAfterSeconds: 7 })),
    );
    try {
      const response = await api.call('POST', `connections/${s.plsNames[0]}/${name}/approve`);
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('7');
      expect(response.body).toMatchObject({ code: 'arm_throttled' });
      expect(response.text).not.toMatch(/RestError|at \w+ \(/);
    } finally {
      api.emulator.faults.clear();
    }
    expect(api.emulator.world.connection(s.plsIds[0] as string, name)?.status).toBe('Pending');
  });

  it('answers 409 when the state changed between the read and the decision, writing nothing', async () => {
    const s = scenario(api.emulator);
    const pls = s.plsIds[0] as string;
    const name = addPending(api.emulator, pls);
    const gets = () => api.emulator.requestLog.count('connection.get');
    const before = { gets: gets(), puts: puts() };
    // The first read answers at once; the re-read before the write is held long enough for someone else to act.
    api.emulator.faults.script({ kind: 'connection.get' }, [
      { type: 'delay', ms: 1 },
      { type: 'delay', ms: 400 },
    ]);
    try {
      const pending = api.call('POST', `connections/${s.plsNames[0]}/${name}/approve`);
      while (gets() === before.gets) await new Promise((resolve) => setTimeout(resolve, 2));
      api.emulator.world.updateConnectionState(pls, name, {
        status: 'Rejected',
        description: 'rejected in the portal',
      });
      const response = await pending;
      expect(response.status).toBe(409);
      expect((await parseBody(problemSchema, response)).detail).toMatch(/Rejected now/);
    } finally {
      api.emulator.faults.clear();
    }
    expect(puts()).toBe(before.puts);
    expect(api.emulator.world.connection(pls, name)?.description).toBe('rejected in the portal');
    const audit = await parseBody(
      decisionListSchema,
      await api.call('GET', `decisions?pls=${s.plsNames[0]}&connection=${name}`, { as: 'reader' }),
    );
    expect(audit.items.map((i) => `${i.kind}:${i.result ?? ''}`)).toEqual(['outcome:skipped', 'intent:']);
  });
});

describe('GET /api/decisions', () => {
  it('filters by actor and time range, newest first, paged', async () => {
    const s = scenario(api.emulator);
    const names = Array.from({ length: 3 }, () => addPending(api.emulator, s.plsIds[0] as string));
    const start = new Date().toISOString();
    for (const name of names) {
      const r = await api.call('POST', `connections/${s.plsNames[0]}/${name}/reject`, {
        body: { reason: 'not expected' },
      });
      expect(r.status).toBe(200);
    }
    const all: DecisionRecord[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const query = `decisions?actor=OPS@contoso.example&from=${start}&limit=2${token === null ? '' : `&continuationToken=${token}`}`;
      const r = await api.call('GET', query, { as: 'reader' });
      expect(r.status).toBe(200);
      const page = await parseBody(decisionListSchema, r);
      all.push(...page.items);
      token = page.continuationToken;
      pages++;
    } while (token !== null && pages < 10);
    expect(all).toHaveLength(6);
    expect(pages).toBeGreaterThanOrEqual(3);
    const times = all.map((i) => Date.parse(i.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(new Set(all.map((i) => i.connectionName))).toEqual(new Set(names));

    const nobody = await parseBody(
      decisionListSchema,
      await api.call('GET', `decisions?actor=someone-else&from=${start}`, { as: 'reader' }),
    );
    expect(nobody.items).toEqual([]);
    const future = await parseBody(
      decisionListSchema,
      await api.call(
        'GET',
        `decisions?from=${new Date(Date.now() + 3_600_000).toISOString()}&to=${new Date(Date.now() + 7_200_000).toISOString()}`,
        { as: 'reader' },
      ),
    );
    expect(future.items).toEqual([]);
  });

  it('refuses bad ranges and a connection without pls', async () => {
    scenario(api.emulator);
    const reversed = await api.call('GET', 'decisions?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', {
      as: 'reader',
    });
    expect(reversed.status).toBe(400);
    expect(reversed.body).toMatchObject({ errors: [{ path: 'query.from' }] });
    const tooLong = await api.call('GET', 'decisions?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', {
      as: 'reader',
    });
    expect(tooLong.status).toBe(400);
    const notDate = await api.call('GET', 'decisions?from=yesterday', { as: 'reader' });
    expect(notDate.body).toMatchObject({ errors: [{ path: 'query.from' }] });
    const noPls = await api.call('GET', 'decisions?connection=pe-1.abc', { as: 'reader' });
    expect(noPls.body).toMatchObject({ errors: [{ path: 'query.pls' }] });
    const unknownField = await api.call('GET', 'decisions?user=me', { as: 'reader' });
    expect(unknownField.status).toBe(400);
    expect(JSON.stringify(unknownField.body)).toMatch(/user/);
  });
});
