import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addPending, scenario, useApi } from './api-harness';

const api = useApi();

const segment = fc.oneof(
  fc.string({ maxLength: 120 }),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$/),
  fc.constantFrom('%2Fsubscriptions%2Fx', '..', '.', '%00', 'pls%2F..%2F..', '\u0000', 'a'.repeat(300)),
);
const jsonValue = fc.jsonValue({ maxDepth: 3 });
const body = fc.oneof(
  jsonValue,
  fc.record({ reason: fc.oneof(fc.string({ maxLength: 200 }), jsonValue) }, { requiredKeys: [] }),
  fc.record(
    {
      policy: fc.oneof(fc.string({ maxLength: 300 }), jsonValue),
      connection: fc.oneof(
        jsonValue,
        fc.record(
          { pls: fc.string(), privateEndpointId: fc.string(), status: fc.string() },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  ),
);
const query = fc.dictionary(
  fc.constantFrom(
    'status',
    'pls',
    'limit',
    'continuationToken',
    'actor',
    'from',
    'to',
    'connection',
    'extra',
  ),
  fc.string({ maxLength: 80 }),
  { maxKeys: 4 },
);

describe('malformed input never yields a 5xx', () => {
  it('over bodies, path parameters and query strings of every API route', async () => {
    const s = scenario(api.emulator);
    const known = addPending(api.emulator, s.plsIds[0] as string);
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('connections', 'connection', 'approve', 'reject', 'decisions', 'evaluate'),
        fc.oneof(segment, fc.constant(s.plsNames[0] as string)),
        fc.oneof(segment, fc.constant(known)),
        body,
        query,
        fc.constantFrom('application/json', 'text/plain', 'application/merge-patch+json', null),
        async (route, pls, connection, payload, params, contentType) => {
          const qs = new URLSearchParams(params).toString();
          const p = encodeURIComponent(pls);
          const c = encodeURIComponent(connection);
          const target = {
            connections: { method: 'GET', path: `connections?${qs}` },
            connection: { method: 'GET', path: `connections/${p}/${c}` },
            approve: { method: 'POST', path: `connections/${p}/${c}/approve` },
            reject: { method: 'POST', path: `connections/${p}/${c}/reject` },
            decisions: { method: 'GET', path: `decisions?${qs}` },
            evaluate: { method: 'POST', path: 'policy/evaluate' },
          }[route];
          const response = await api.call(target.method, target.path, {
            as: 'approver',
            ...(target.method === 'POST' ? { rawBody: JSON.stringify(payload), contentType } : {}),
          });
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          expect(
            response.status,
            `${target.method} ${target.path} -> ${response.text.slice(0, 300)}`,
          ).toBeLessThan(500);
          if (response.status >= 400) {
            expect(response.text).not.toMatch(/\n\s+at |RestError|TypeError|undefined is not/);
          }
        },
      ),
      { numRuns: 200, seed: 20260304 },
    );
    // The fuzz must reach past validation sometimes, or it proves little.
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    expect([...statuses.keys()].some((status) => status < 400 || status === 404 || status === 409)).toBe(
      true,
    );
  }, 60_000);
});
