import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ROUTE_SPECS } from '../../../functions/openApiDocument';
import { problemSchema } from '../../../shared/api/core/api-schemas';
import { CATASTROPHIC_PATTERNS } from '../../helpers/catastrophic-patterns';
import { parseBody } from '../../helpers/parse-body';
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

/** Every route of the API as data, with its path parameters filled from the fuzzed segments. */
function routePath(route: string, fill: (name: string) => string): string {
  return route.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(fill(name)));
}

const STACK_OR_SDK = /\n\s+at |RestError|TypeError|ReferenceError|RangeError|undefined is not/;

describe('malformed input never yields a 5xx, on every route', () => {
  it('over path parameters, query strings, bodies and content types of every registered route', async () => {
    const s = scenario(api.emulator);
    const known = addPending(api.emulator, s.plsIds[0] as string);
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTE_SPECS),
        segment,
        query,
        body,
        fc.constantFrom('application/json', 'text/plain', null),
        fc.constantFrom('approver', 'reader', 'anonymous' as const),
        async (spec, seg, params, payload, contentType, as) => {
          seen.add(spec.operationId);
          const qs = new URLSearchParams(params).toString();
          const path = routePath(spec.route, (name) =>
            name === 'pls' ? (s.plsNames[0] as string) : name === 'connection' ? known : seg,
          );
          const response = await api.call(spec.method.toUpperCase(), `${path}${qs === '' ? '' : `?${qs}`}`, {
            as,
            ...(spec.method === 'post' ? { rawBody: JSON.stringify(payload), contentType } : {}),
          });
          // Health reports a dependency that is down with its own 503 report; that is its answer.
          const limit = spec.operationId === 'health' ? 504 : 500;
          expect(response.status, `${spec.method} ${path} -> ${response.text.slice(0, 300)}`).toBeLessThan(
            limit,
          );
          if (response.status >= 400) expect(response.text).not.toMatch(STACK_OR_SDK);
        },
      ),
      { numRuns: 150, seed: 20261201 },
    );
    expect([...seen].sort()).toEqual(ROUTE_SPECS.map((r) => r.operationId).sort());
  }, 120_000);

  it('an alias bomb or a billion-laughs draft policy is a 400 listing the problem', async () => {
    scenario(api.emulator);
    const uses = Array.from({ length: 60 }, () => '*a').join(', ');
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      laughs.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    for (const policy of [`x: &a [1]\nrules: [${uses}]\n`, laughs.join('\n')]) {
      const response = await api.call('POST', 'policy/evaluate', { as: 'reader', body: { policy } });
      expect(response.status, response.text.slice(0, 300)).toBe(400);
      expect((await parseBody(problemSchema, response)).code).toBe('validation_failed');
      expect(response.text).not.toMatch(STACK_OR_SDK);
    }
  });

  it('fuzzed messages against the catastrophic corpus answer quickly and never 5xx', async () => {
    const s = scenario(api.emulator);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CATASTROPHIC_PATTERNS),
        fc.stringMatching(/^[a!x@ ]{0,139}$/),
        async (pattern, message) => {
          const started = performance.now();
          const response = await api.call('POST', 'policy/evaluate', {
            as: 'reader',
            body: {
              policy: {
                version: 1,
                rules: [{ name: 'r', action: 'reject', match: { requestMessage: pattern } }],
                default: { action: 'manual' },
              },
              connection: {
                pls: s.plsNames[0],
                privateEndpointId:
                  '/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe',
                requestMessage: message,
              },
            },
          });
          expect(response.status, response.text.slice(0, 300)).toBe(200);
          // Generous: RE2 needs well under a millisecond here (bench/policy-patterns.ts).
          expect(performance.now() - started).toBeLessThan(2_500);
        },
      ),
      { numRuns: 40, seed: 20261202 },
    );
  }, 120_000);
});
