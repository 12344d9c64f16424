import { resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type ArmEmulator,
  type ArmWriteEvent,
  loadArmSeed,
  parseArmSeed,
  startArmEmulator,
} from '../../../../emulators/arm';
import { armErrorJsonSchema } from '../../../../emulators/arm/arm-json';
import { AppError } from '../../../../shared/errors';
import { plsIdOf, privateEndpointIdOf, TEST_TOKEN } from '../../../helpers/arm-emulator';
import { parseBody } from '../../../helpers/parse-body';

const API = 'api-version=2025-05-01';
const PROVIDER_TENANT = 'aaaaaaaa-0000-0000-0000-000000000001';
const CONSUMER = 'c0000000-0000-4000-8000-0000000000aa';
const CONSUMER_TENANT = 'bbbbbbbb-0000-0000-0000-0000000000bb';
const AUTO = 'c0000000-0000-4000-8000-0000000000ab';

/** Reads `a.b[0].c` from parsed JSON; a wrong path yields undefined and fails the assertion. */
function pick(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== '')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

let emulator: ArmEmulator;
const writes: ArmWriteEvent[] = [];
let plsCounter = 0;

beforeAll(async () => {
  emulator = await startArmEmulator({ expectedToken: TEST_TOKEN, pageSize: 3, lroDurationMs: 400 });
  emulator.world.addSubscription('11111111-1111-1111-1111-111111111111', PROVIDER_TENANT);
  emulator.world.addSubscription(CONSUMER, CONSUMER_TENANT);
  emulator.onWrite((event) => writes.push(event));
});
afterAll(async () => {
  await emulator.stop();
});
beforeEach(() => {
  emulator.faults.clear();
  writes.length = 0;
});

function freshPls(options: { visibility?: string[]; autoApproval?: string[] } = {}) {
  plsCounter += 1;
  return emulator.world.addPrivateLinkService({ id: plsIdOf(`pls-emu-${plsCounter}`), ...options });
}

async function arm(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TEST_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const json = text === '' ? undefined : (JSON.parse(text) as unknown);
  return {
    status: response.status,
    headers: response.headers,
    json,
    get: (path: string) => pick(json, path),
  };
}

function stateBody(status: string, description = 'by test') {
  return {
    properties: { privateLinkServiceConnectionState: { status, description, actionsRequired: 'None' } },
  };
}

function createPe(name: string, target: string, extra: Record<string, unknown> = {}, manual = true) {
  const connection = {
    name: `${name}-conn`,
    properties: { privateLinkServiceId: target, requestMessage: 'CHG0000001 - please', ...extra },
  };
  return arm('PUT', `${privateEndpointIdOf(CONSUMER, name)}?${API}`, {
    location: 'westeurope',
    properties: {
      subnet: {
        id: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s',
      },
      ...(manual
        ? { manualPrivateLinkServiceConnections: [connection] }
        : { privateLinkServiceConnections: [connection] }),
    },
  });
}

describe('ARM emulator: protocol rules', () => {
  it('requires api-version and a known one', async () => {
    const pls = freshPls();
    expect((await arm('GET', pls.id)).get('error.code')).toBe('MissingApiVersionParameter');
    expect((await arm('GET', `${pls.id}?api-version=banana`)).get('error.code')).toBe(
      'InvalidApiVersionParameter',
    );
    const unknown = await arm('GET', `${pls.id}?api-version=2001-01-01`);
    expect(unknown.status).toBe(400);
    expect(unknown.get('error.code')).toBe('NoRegisteredProviderFound');
    expect((await arm('GET', `${pls.id}?${API}`)).status).toBe(200);
  });

  it('requires a bearer token, naming the tenant in the challenge', async () => {
    const pls = freshPls();
    const response = await fetch(`${emulator.url}${pls.id}?${API}`);
    expect(response.status).toBe(401);
    expect((await parseBody(armErrorJsonSchema, response)).error.code).toBe('AuthenticationFailed');
    expect(response.headers.get('www-authenticate')).toContain(
      `authorization_uri="https://login.windows.net/${PROVIDER_TENANT}"`,
    );
    const wrong = await arm('GET', `${pls.id}?${API}`, undefined, { authorization: 'Bearer not-the-token' });
    expect(wrong.status).toBe(401);
    expect(wrong.get('error.code')).toBe('InvalidAuthenticationToken');
  });

  it('answers the unauthenticated subscription GET with the owner tenant, and none for an unknown one', async () => {
    const known = await fetch(`${emulator.url}/subscriptions/${CONSUMER}?api-version=2022-12-01`);
    expect(known.status).toBe(401);
    expect(known.headers.get('www-authenticate')).toMatch(
      new RegExp(`login\\.windows\\.net/${CONSUMER_TENANT}"`),
    );
    const unknown = await fetch(
      `${emulator.url}/subscriptions/${'9'.repeat(8)}-9999-9999-9999-${'9'.repeat(12)}?api-version=2022-12-01`,
    );
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toContain(
      'authorization_uri="https://login.windows.net/"',
    );
    const authenticated = await arm('GET', `/subscriptions/${CONSUMER}?api-version=2022-12-01`);
    expect(authenticated.json).toMatchObject({ subscriptionId: CONSUMER, tenantId: CONSUMER_TENANT });
  });

  it('pages with nextLink (absolute, carrying api-version) and ARM shapes', async () => {
    const pls = freshPls();
    for (let i = 0; i < 7; i++) {
      emulator.world.addConnection({
        plsId: pls.id,
        privateEndpointId: privateEndpointIdOf(CONSUMER, `pe-page-${i}`),
        requestMessage: `m${i}`,
      });
    }
    const names: string[] = [];
    let next: string | undefined = `${pls.id}/privateEndpointConnections?${API}`;
    let pages = 0;
    while (next !== undefined) {
      const page = await arm('GET', next.replace(emulator.url, ''));
      pages += 1;
      for (const item of (page.get('value') ?? []) as unknown[]) names.push(String(pick(item, 'name')));
      next = page.get('nextLink') as unknown as string | undefined;
      if (next !== undefined) expect(next).toMatch(new RegExp(`^${emulator.url}/.*api-version=2025-05-01`));
    }
    expect(pages).toBe(3);
    expect(names).toHaveLength(7);
    const item = (await arm('GET', `${pls.id}/privateEndpointConnections/${names[0]}?${API}`)).json;
    expect(item).toMatchObject({
      name: names[0],
      type: 'Microsoft.Network/privateLinkServices/privateEndpointConnections',
      properties: {
        provisioningState: 'Succeeded',
        privateEndpoint: { id: privateEndpointIdOf(CONSUMER, 'pe-page-0') },
        privateLinkServiceConnectionState: { status: 'Pending', description: 'm0', actionsRequired: 'None' },
        privateEndpointLocation: 'westeurope',
      },
    });
    expect(pick(item, 'properties.linkIdentifier')).toMatch(/^\d+$/);
    expect(pick(item, 'etag')).toMatch(/^W\/"/);
  });

  it('matches paths case-insensitively, as ARM does', async () => {
    const pls = freshPls();
    expect(
      (await arm('GET', `${pls.id.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/')}?${API}`))
        .status,
    ).toBe(200);
  });

  it('answers unknown resources with ARM 404 codes', async () => {
    const pls = freshPls();
    expect((await arm('GET', `${plsIdOf('nope')}?${API}`)).get('error.code')).toBe('ResourceNotFound');
    expect(
      (await arm('GET', `${plsIdOf('nope')}/privateEndpointConnections/x?${API}`)).get('error.code'),
    ).toBe('ParentResourceNotFound');
    const missing = await arm('GET', `${pls.id}/privateEndpointConnections/x?${API}`);
    expect(missing.status).toBe(404);
    expect(missing.get('error.code')).toBe('ResourceNotFound');
  });
});

describe('ARM emulator: connection state rules', () => {
  it('allows Pending → Approved → Rejected, refuses Rejected → Approved and back to Pending; etag changes on each write', async () => {
    const pls = freshPls();
    const c = emulator.world.addConnection({
      plsId: pls.id,
      privateEndpointId: privateEndpointIdOf(CONSUMER, 'pe-rules'),
    });
    const path = `${pls.id}/privateEndpointConnections/${c.name}?${API}`;
    const etag0 = c.etag;
    const approved = await arm('PUT', path, stateBody('Approved', 'ok'));
    expect(approved.status).toBe(200);
    expect(approved.get('properties.privateLinkServiceConnectionState.status')).toBe('Approved');
    expect(approved.get('etag')).not.toBe(etag0);
    expect((await arm('PUT', path, stateBody('Pending'))).get('error.code')).toBe(
      'InvalidPrivateEndpointConnectionStateTransition',
    );
    expect((await arm('PUT', path, stateBody('Rejected', 'no'))).status).toBe(200);
    const back = await arm('PUT', path, stateBody('Approved'));
    expect(back.status).toBe(400);
    expect(back.get('error.code')).toBe('BadRequest');
    expect((await arm('PUT', path, stateBody('Maybe'))).get('error.code')).toBe(
      'InvalidPrivateLinkServiceConnectionStatus',
    );
  });

  it('refuses connection writes on a PLS the caller may only read: 403 AuthorizationFailed, reads still served', async () => {
    const pls = freshPls();
    const c = emulator.world.addConnection({
      plsId: pls.id,
      privateEndpointId: privateEndpointIdOf(CONSUMER, 'pe-denied'),
    });
    emulator.world.denyConnectionWrites(pls.id);
    const path = `${pls.id}/privateEndpointConnections/${c.name}?${API}`;

    const put = await arm('PUT', path, stateBody('Approved'));
    expect(put.status).toBe(403);
    expect(put.get('error.code')).toBe('AuthorizationFailed');
    expect(put.get('error.message')).toMatch(
      /does not have authorization to perform action 'Microsoft\.Network\/privateLinkServices\/privateEndpointConnections\/write' over scope '.*\/privateEndpointConnections\/.*' or the scope is invalid/,
    );
    expect((await arm('DELETE', path)).get('error.code')).toBe('AuthorizationFailed');
    expect((await arm('GET', path)).status).toBe(200);
    expect(emulator.world.connection(pls.id, c.name)?.status).toBe('Pending');

    emulator.world.allowConnectionWrites(pls.id);
    expect((await arm('PUT', path, stateBody('Approved'))).status).toBe(200);
  });

  it('changes only status, description and actionsRequired; enforces 140 characters; honours If-Match', async () => {
    const pls = freshPls();
    const c = emulator.world.addConnection({
      plsId: pls.id,
      privateEndpointId: privateEndpointIdOf(CONSUMER, 'pe-only-state'),
    });
    const path = `${pls.id}/privateEndpointConnections/${c.name}?${API}`;
    const tooLong = await arm('PUT', path, stateBody('Approved', 'x'.repeat(141)));
    expect(tooLong.status).toBe(400);
    const sneaky = await arm('PUT', path, {
      properties: {
        privateEndpoint: { id: '/subscriptions/evil' },
        privateLinkServiceConnectionState: { status: 'Approved', description: 'ok' },
      },
    });
    expect(sneaky.get('properties.privateEndpoint.id')).toBe(privateEndpointIdOf(CONSUMER, 'pe-only-state'));
    const stale = await arm('PUT', path, stateBody('Rejected'), { 'if-match': 'W/"stale"' });
    expect(stale.status).toBe(412);
    expect(stale.get('error.code')).toBe('PreconditionFailed');
    expect(stale.get('error.details[0].code')).toBe('PreconditionFailedEtagMismatch');
    const fresh = await arm('PUT', path, stateBody('Rejected'), { 'if-match': String(sneaky.get('etag')) });
    expect(fresh.status).toBe(200);
    const absent = await arm(
      'PUT',
      `${pls.id}/privateEndpointConnections/absent?${API}`,
      stateBody('Approved'),
    );
    expect(absent.status).toBe(400);
    expect(absent.get('error.code')).toBe('PrivateEndpointConnectionCannotBeCreatedByServiceProvider');
  });

  it('deletes as a long-running operation: 202, InProgress, then Succeeded and gone', async () => {
    const pls = freshPls();
    const c = emulator.world.addConnection({
      plsId: pls.id,
      privateEndpointId: privateEndpointIdOf(CONSUMER, 'pe-delete'),
    });
    const accepted = await arm('DELETE', `${pls.id}/privateEndpointConnections/${c.name}?${API}`);
    expect(accepted.status).toBe(202);
    const asyncOp = accepted.headers.get('azure-asyncoperation') ?? '';
    const location = accepted.headers.get('location') ?? '';
    expect(asyncOp).toMatch(
      /\/providers\/Microsoft\.Network\/locations\/westeurope\/operations\/[0-9a-f-]+\?api-version=/,
    );
    expect((await arm('GET', asyncOp.replace(emulator.url, ''))).json).toEqual({ status: 'InProgress' });
    expect((await arm('GET', location.replace(emulator.url, ''))).status).toBe(202);
    await new Promise((r) => setTimeout(r, 600));
    expect((await arm('GET', asyncOp.replace(emulator.url, ''))).json).toEqual({ status: 'Succeeded' });
    expect((await arm('GET', location.replace(emulator.url, ''))).status).toBe(204);
    expect(emulator.world.connection(pls.id, c.name)).toBeUndefined();
    expect((await arm('DELETE', `${pls.id}/privateEndpointConnections/${c.name}?${API}`)).status).toBe(204);
    expect(writes.map((w) => w.operationName)).toContain(
      'Microsoft.Network/privateLinkServices/privateEndpointConnections/delete',
    );
  });

  it('calls onWrite after each successful connection write with what an event needs', async () => {
    const pls = freshPls();
    const c = emulator.world.addConnection({
      plsId: pls.id,
      privateEndpointId: privateEndpointIdOf(CONSUMER, 'pe-event'),
    });
    await arm('PUT', `${pls.id}/privateEndpointConnections/${c.name}?${API}`, stateBody('Approved'), {
      'x-ms-correlation-request-id': 'corr-1',
    });
    await arm('PUT', `${pls.id}/privateEndpointConnections/${c.name}?${API}`, stateBody('Pending'));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({
      resourceId: `${pls.id}/privateEndpointConnections/${c.name}`,
      operationName: 'Microsoft.Network/privateLinkServices/privateEndpointConnections/write',
      subscriptionId: '11111111-1111-1111-1111-111111111111',
      tenantId: PROVIDER_TENANT,
      correlationId: 'corr-1',
      status: 'Succeeded',
    });
  });
});

describe('ARM emulator: consumer side', () => {
  it('creates a Pending connection from a manual private endpoint by id and by alias', async () => {
    const pls = freshPls();
    const byId = await createPe('pe-by-id', pls.id);
    expect(byId.status).toBe(201);
    expect(
      byId.get(
        'properties.manualPrivateLinkServiceConnections[0].properties.privateLinkServiceConnectionState.status',
      ),
    ).toBe('Pending');
    const byAlias = await createPe('pe-by-alias', pls.alias.toUpperCase());
    expect(byAlias.status).toBe(201);
    const connections = [...pls.connections.values()];
    expect(connections).toHaveLength(2);
    for (const c of connections) {
      expect(c.status).toBe('Pending');
      expect(c.description).toBe('CHG0000001 - please');
      expect(c.name).toMatch(/^pe-by-(id|alias)\.[0-9a-f-]{36}$/);
    }
    expect(writes.map((w) => w.operationName)).toEqual([
      'Microsoft.Network/privateEndpoints/write',
      'Microsoft.Network/privateEndpoints/write',
    ]);
    expect(writes[0]?.relatedConnectionId).toContain(`${pls.id}/privateEndpointConnections/pe-by-id.`);
    expect(writes[0]?.tenantId).toBe(CONSUMER_TENANT);
  });

  it('approves at creation for subscriptions in the auto-approval list; refuses an automatic request from another tenant', async () => {
    const auto = freshPls({ autoApproval: [CONSUMER] });
    const notAuto = freshPls({ autoApproval: [AUTO] });
    await createPe('pe-auto-yes', auto.id, {}, false);
    await createPe('pe-auto-manual', auto.id);
    const refused = await createPe('pe-auto-no', notAuto.id, {}, false);
    expect([...auto.connections.values()].map((c) => c.status)).toEqual(['Approved', 'Approved']);
    expect(refused.status).toBe(403);
    expect(refused.get('error.code')).toBe('LinkedAuthorizationFailed');
    expect(notAuto.connections.size).toBe(0);
    await createPe('pe-auto-no-manual', notAuto.id);
    expect([...notAuto.connections.values()][0]?.status).toBe('Pending');
  });

  it('refuses unknown targets, invisible services and long request messages', async () => {
    const hidden = freshPls({ visibility: [AUTO] });
    expect((await createPe('pe-missing', plsIdOf('nothing-here'))).get('error.code')).toBe(
      'PrivateLinkServiceNotFound',
    );
    expect((await createPe('pe-hidden', hidden.alias)).get('error.code')).toBe(
      'PrivateLinkServiceNotVisibleToSubscription',
    );
    expect((await createPe('pe-long', freshPls().id, { requestMessage: 'x'.repeat(141) })).status).toBe(400);
  });

  it('shows the consumer the provider decision, Disconnected after the provider deletes, nothing after its own delete', async () => {
    const pls = freshPls();
    await createPe('pe-view', pls.id);
    const peId = privateEndpointIdOf(CONSUMER, 'pe-view');
    const stateOf = async () =>
      (await arm('GET', `${peId}?${API}`)).get(
        'properties.manualPrivateLinkServiceConnections[0].properties.privateLinkServiceConnectionState',
      );
    expect(pick(await stateOf(), 'status')).toBe('Pending');
    const name = [...pls.connections.values()][0]?.name ?? '';
    await arm('PUT', `${pls.id}/privateEndpointConnections/${name}?${API}`, stateBody('Approved', 'welcome'));
    expect(await stateOf()).toMatchObject({ status: 'Approved', description: 'welcome' });
    emulator.world.removeConnection(pls.id, name);
    expect(pick(await stateOf(), 'status')).toBe('Disconnected');

    await createPe('pe-gone', pls.id);
    const goneId = privateEndpointIdOf(CONSUMER, 'pe-gone');
    const deleted = await arm('DELETE', `${goneId}?${API}`);
    expect(deleted.status).toBe(202);
    await new Promise((r) => setTimeout(r, 600));
    expect((await arm('GET', `${goneId}?${API}`)).status).toBe(404);
    expect(pls.connections.size).toBe(0);
  });
});

describe('ARM emulator: faults and request log', () => {
  it('scripts the next N calls: 429 with Retry-After, 503, drop; then serves normally', async () => {
    const pls = freshPls();
    emulator.faults.script({ kind: 'pls.get' }, [
      { type: 'status', status: 429, retryAfterSeconds: 7 },
      { type: 'status', status: 503 },
      { type: 'drop' },
    ]);
    const throttled = await arm('GET', `${pls.id}?${API}`);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('7');
    expect(throttled.get('error.code')).toBe('TooManyRequests');
    expect((await arm('GET', `${pls.id}?${API}`)).status).toBe(503);
    await expect(arm('GET', `${pls.id}?${API}`)).rejects.toThrow();
    expect((await arm('GET', `${pls.id}?${API}`)).status).toBe(200);
    const log = emulator.requestLog.entries.filter((e) => e.path.startsWith(pls.id));
    expect(log.map((e) => e.status)).toEqual([429, 503, 0, 200]);
    expect(log.map((e) => e.fault)).toEqual(['status:429', 'status:503', 'drop', undefined]);
  });

  it('applies a rate reproducibly with the same seed', async () => {
    const pls = freshPls();
    const run = async () => {
      emulator.faults
        .clear()
        .reseed(42)
        .rate({ kind: 'pls.get' }, 0.5, [{ type: 'status', status: 500 }]);
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await arm('GET', `${pls.id}?${API}`)).status);
      return statuses;
    };
    const first = await run();
    const second = await run();
    expect(first).toEqual(second);
    expect(first.filter((s) => s === 500).length).toBeGreaterThan(3);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(3);
  });

  it('delays a request by the given time', async () => {
    const pls = freshPls();
    emulator.faults.script({ kind: 'pls.get', method: 'GET' }, [{ type: 'delay', ms: 200 }]);
    const started = performance.now();
    expect((await arm('GET', `${pls.id}?${API}`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('counts requests by route kind', async () => {
    const before = emulator.requestLog.counts()['pls.get'] ?? 0;
    const pls = freshPls();
    await arm('GET', `${pls.id}?${API}`);
    await arm('GET', `${pls.id}?${API}`);
    expect(emulator.requestLog.counts()['pls.get']).toBe(before + 2);
  });
});

describe('ARM emulator seed', () => {
  it('loads the sample seed that tells the local story', async () => {
    const seed = await loadArmSeed(resolve(__dirname, '../../../../arm-emulator.sample.yaml'));
    expect(seed.privateLinkServices.map((p) => p.id.split('/').at(-1))).toEqual(['pls-web', 'pls-api']);
    expect(new Set(seed.subscriptions.map((s) => s.tenantId)).size).toBeGreaterThanOrEqual(4);
    const seeded = await startArmEmulator({ seed });
    try {
      const web = seeded.world.privateLinkService(seed.privateLinkServices[0]?.id ?? '');
      expect(
        [...(web?.connections.values() ?? [])].filter((c) => c.status === 'Pending').length,
      ).toBeGreaterThanOrEqual(3);
    } finally {
      await seeded.stop();
    }
  });

  it('reports every problem of a bad seed by path', () => {
    const error = (() => {
      try {
        parseArmSeed(`
subscriptions:
  - subscriptionId: not-a-guid
    tenantId: aaaaaaaa-0000-0000-0000-000000000001
privateLinkServices:
  - id: /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/a
connections:
  - plsId: /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/b
    privateEndpointId: /subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe
    requestMessage: ${'x'.repeat(141)}
`);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AppError);
    const paths = (error as AppError).issues.map((i) => i.path);
    expect(paths).toContain('subscriptions[0].subscriptionId');
    expect(paths).toContain('connections[0].requestMessage');
  });
});
