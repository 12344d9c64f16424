import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connectionDetailSchema } from '../../../shared/api/core/api-schemas';
import { addPending, scenario, useApi } from './api-harness';

const api = useApi();

/** POST approve/reject with If-Match and/or expectedStatus: the contract the dashboard relies on. */
describe('deciding on the version that was read', () => {
  it('If-Match with the etag from GET decides; a stale one is 409 state_changed and writes nothing', async () => {
    const s = scenario(api.emulator);
    const [pls = ''] = s.plsNames;
    const plsId = s.plsIds[0] ?? '';
    const name = addPending(api.emulator, plsId);
    const read = await api.call('GET', `connections/${pls}/${name}`, { as: 'reader' });
    const { connection } = connectionDetailSchema.parse(read.body);
    expect(connection.etag).toBe(api.emulator.world.connection(plsId, name)?.etag);

    const record = api.emulator.world.connection(plsId, name);
    if (record === undefined || connection.etag === null) throw new Error('connection missing');
    record.description = 'edited by the consumer';
    record.etag = `W/"${randomUUID()}"`;
    const puts = api.emulator.requestLog.count('connection.put');
    const stale = await api.call('POST', `connections/${pls}/${name}/approve`, {
      body: { reason: 'ok' },
      headers: { 'if-match': connection.etag },
    });
    expect(stale.status).toBe(409);
    expect(stale.headers.get('content-type')).toContain('application/problem+json');
    expect(stale.body).toMatchObject({ code: 'state_changed' });
    expect(api.emulator.requestLog.count('connection.put')).toBe(puts);

    const fresh = await api.call('POST', `connections/${pls}/${name}/approve`, {
      body: { reason: 'ok' },
      headers: { 'if-match': record.etag },
    });
    expect(fresh.status).toBe(200);
    expect(api.emulator.world.connection(plsId, name)?.status).toBe('Approved');
  });

  it('expectedStatus that no longer holds is 409 state_changed: two people cannot both win', async () => {
    const s = scenario(api.emulator);
    const [pls = ''] = s.plsNames;
    const plsId = s.plsIds[0] ?? '';
    const name = addPending(api.emulator, plsId);
    const first = await api.call('POST', `connections/${pls}/${name}/approve`, {
      body: { reason: 'ok', expectedStatus: 'Pending' },
    });
    expect(first.status).toBe(200);
    const second = await api.call('POST', `connections/${pls}/${name}/reject`, {
      body: { reason: 'no', expectedStatus: 'Pending' },
    });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'state_changed' });
    expect(api.emulator.world.connection(plsId, name)?.status).toBe('Approved');
    const bad = await api.call('POST', `connections/${pls}/${name}/reject`, {
      body: { reason: 'no', expectedStatus: 'Disconnected' },
    });
    expect(bad.status).toBe(400);
  });
});
