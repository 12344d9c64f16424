import { describe, expect, it } from 'vitest';
import { ROUTE_SPECS } from '../../../functions/openApiDocument';
import type { Container } from '../../../shared/composition-root';
import { addPending, type Role, scenario, useApi } from './api-harness';

const api = useApi();

/** The connection's record with ARM's link id on it, as a reconciliation list writes it. */
async function recordedLinkId(container: Container, plsId: string, connection: string): Promise<string> {
  const linkId = api.emulator.world.privateLinkService(plsId)?.connections.get(connection.toLowerCase())
    ?.linkIdentifier as string;
  const now = new Date().toISOString();
  const { records } = await container.approvalServices();
  await records.apply(
    plsId,
    [
      {
        plsId,
        connectionId: `${plsId}/privateEndpointConnections/${connection}`,
        connectionName: connection,
        status: 'Pending',
        firstSeenAt: now,
        changedAt: now,
        linkId,
      },
    ],
    [],
  );
  return linkId;
}

/** A concrete request for each protected route; bodies are valid so only the principal decides the answer. */
function requestFor(
  route: string,
  pls: string,
  connection: string,
  linkId: string,
): { path: string; body?: unknown } {
  const path = route.replace('{pls}', pls).replace('{connection}', connection).replace('{linkId}', linkId);
  if (route.endsWith('/reject')) return { path, body: { reason: 'auth test' } };
  if (route.endsWith('/approve')) return { path, body: { reason: 'auth test' } };
  if (route === 'policy/evaluate') return { path, body: {} };
  return { path };
}

// This feature's routes; the dashboard's and the probes' own tests cover theirs.
const API_ROUTES = [
  'listConnections',
  'getConnection',
  'getLink',
  'approveConnection',
  'rejectConnection',
  'listDecisions',
  'eventFastPath',
  'evaluatePolicy',
  'openApiDocument',
];
const protectedRoutes = ROUTE_SPECS.filter((s) => API_ROUTES.includes(s.operationId));

describe('authorisation of every API route', () => {
  it('covers every route of the API, each protected by a role', () => {
    expect(protectedRoutes.map((r) => r.operationId).sort()).toEqual([...API_ROUTES].sort());
    for (const route of protectedRoutes) expect(['read', 'approve']).toContain(route.access);
  });

  for (const spec of protectedRoutes) {
    it(`${spec.method.toUpperCase()} /api/${spec.route}: 401 without a principal, 403 without the role, allowed with it`, async () => {
      const s = scenario(api.emulator);
      const cases: { as: Role | 'anonymous' | { header: string }; expected: number | 'allowed' }[] = [
        { as: 'anonymous', expected: 401 },
        { as: { header: 'not-base64-json!' }, expected: 401 },
        { as: 'none', expected: 403 },
        { as: 'reader', expected: spec.access === 'read' ? 'allowed' : 403 },
        { as: 'approver', expected: 'allowed' },
      ];
      for (const c of cases) {
        const plsId = s.plsIds[0] as string;
        const connection = addPending(api.emulator, plsId);
        const linkId = await recordedLinkId(s.container, plsId, connection);
        const { path, body } = requestFor(spec.route, s.plsNames[0] as string, connection, linkId);
        const before = api.emulator.requestLog.count('connection.put');
        const response = await api.call(spec.method.toUpperCase(), path, { as: c.as, body });
        if (c.expected === 'allowed') {
          expect(response.status, JSON.stringify(response.body)).toBe(200);
        } else {
          expect(response.status).toBe(c.expected);
          expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
          expect(response.body).toMatchObject({
            code: c.expected === 401 ? 'unauthenticated' : 'forbidden',
            status: c.expected,
          });
          expect(response.headers.get('x-correlation-id')).toBeTruthy();
          expect(api.emulator.requestLog.count('connection.put')).toBe(before);
        }
      }
    });
  }

  it('lets health through anonymously', async () => {
    scenario(api.emulator);
    const response = await api.call('GET', 'health', { as: 'anonymous' });
    expect([200, 503]).toContain(response.status);
  });
});
