import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../functions/registry';
import { openApiDocumentSchema } from '../../../shared/api/core/meta-schemas';
import type { HttpFunctionDefinition } from '../../../shared/host/function-definition';
import { privateEndpointIdOf } from '../../helpers/arm-emulator';
import { parseBody } from '../../helpers/parse-body';
import { addPending, OTHER_SUBSCRIPTION, scenario, useApi } from './api-harness';

const api = useApi();

type Json = Record<string, unknown>;
interface Operation {
  responses: Record<string, { content?: Record<string, { schema: Json }> }>;
  parameters?: { name: string; in: string }[];
}

const httpFunctions = FUNCTIONS.filter((f): f is HttpFunctionDefinition => f.kind === 'http');

/** `connections/{pls}/{connection}` as a regex over a concrete, still-encoded path. */
function templateRegex(route: string): RegExp {
  const source = route
    .split('/')
    .map((part) => (/^\{[^}]+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`, 'i');
}

async function fetchDocument(): Promise<Json> {
  const response = await api.call('GET', 'openapi.json', { as: 'reader' });
  expect(response.status).toBe(200);
  return parseBody(openApiDocumentSchema, response);
}

describe('GET /api/openapi.json', () => {
  it('documents every registered HTTP route, and nothing that is not registered', async () => {
    scenario(api.emulator);
    const doc = await fetchDocument();
    expect(doc.openapi).toBe('3.1.0');
    const paths = doc.paths as Record<string, Record<string, unknown>>;
    const documented = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const registered = httpFunctions.flatMap((f) => f.options.methods.map((m) => `${m} /${f.options.route}`));
    expect(documented.sort()).toEqual(registered.sort());
    for (const f of httpFunctions) {
      const op = paths[`/${f.options.route}`]?.[(f.options.methods[0] ?? 'GET').toLowerCase()] as Json &
        Operation;
      expect(op.operationId).toBe(f.name);
      const pathParams = [...f.options.route.matchAll(/\{([^}?:=]+)/g)].map((m) => m[1]);
      expect((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name)).toEqual(pathParams);
    }
  });

  it('is a valid set of JSON Schemas (draft 2020-12) that real responses satisfy', async () => {
    const s = scenario(api.emulator);
    const pls = s.plsNames[0] as string;
    const a = addPending(api.emulator, s.plsIds[0] as string, {
      subscription: OTHER_SUBSCRIPTION,
      message: 'CHG1234567',
    });
    const b = addPending(api.emulator, s.plsIds[0] as string);
    const c = addPending(api.emulator, s.plsIds[0] as string, { status: 'Rejected' });
    // A spread of real answers: successes and every problem kind the API produces.
    await api.call('GET', 'connections?limit=1', { as: 'reader' });
    await api.call('GET', 'connections?status=Pending', { as: 'reader' });
    await api.call('GET', `connections/${pls}/${a}`, { as: 'reader' });
    await api.call('POST', `connections/${pls}/${a}/approve`, { body: { reason: 'ok' } });
    await api.call('POST', `connections/${pls}/${a}/approve`);
    await api.call('POST', `connections/${pls}/${b}/reject`, { body: { reason: 'no' } });
    await api.call('POST', `connections/${pls}/${c}/approve`);
    await api.call('GET', `connections/${pls}/${a}`, { as: 'reader' });
    await api.call('GET', 'decisions?limit=2', { as: 'reader' });
    await api.call('GET', `decisions?pls=${pls}&connection=${a}`, { as: 'reader' });
    await api.call('GET', 'approval/fast-path', { as: 'reader' });
    await api.call('POST', 'policy/evaluate', { as: 'reader' });
    await api.call('POST', 'policy/evaluate', {
      as: 'reader',
      body: { connection: { pls, privateEndpointId: privateEndpointIdOf(OTHER_SUBSCRIPTION, 'pe-x') } },
    });
    await api.call('POST', 'policy/evaluate', { as: 'reader', body: { policy: { version: 2 } } });
    await api.call('GET', 'connections', { as: 'anonymous' });
    await api.call('GET', 'connections', { as: 'none' });
    await api.call('GET', 'connections/unknown-pls/pe.1', { as: 'reader' });
    await api.call('POST', `connections/${pls}/${b}/reject`, { rawBody: 'x', contentType: 'text/plain' });
    await api.call('POST', `connections/${pls}/${b}/reject`, { body: { reason: 'x'.repeat(17_000) } });
    await api.call('GET', 'health', { as: 'anonymous' });
    await api.call('GET', 'probes/summary', { as: 'reader' });
    await api.call('GET', 'me', { as: 'reader' });
    await api.call('GET', 'probes/events?limit=5', { as: 'reader' });
    await api.call('GET', 'probes/iis/series?range=1h', { as: 'reader' });
    await api.call('GET', 'probes/iis/badge', { as: 'reader' });
    await api.call('GET', 'dashboard', { as: 'anonymous' });
    await api.call('GET', 'dashboard/assets/nope.js', { as: 'anonymous' });
    const doc = await fetchDocument();

    const ajv = validatorFor(doc);
    const paths = doc.paths as Record<string, Record<string, Operation>>;
    const validated: string[] = [];
    for (const seen of api.seen) {
      const entry = Object.entries(paths).find(([template]) =>
        templateRegex(template.slice(1)).test(seen.route),
      );
      const operation = entry?.[1][seen.method];
      expect(operation, `${seen.method} ${seen.route} is documented`).toBeDefined();
      const response = operation?.responses[String(seen.status)];
      expect(response, `${seen.method} ${seen.route} documents status ${seen.status}`).toBeDefined();
      const mediaType = seen.contentType.split(';')[0]?.trim() ?? '';
      const schema = response?.content?.[mediaType]?.schema;
      expect(schema, `${seen.method} ${seen.route} ${seen.status} documents ${mediaType}`).toBeDefined();
      const validate = ajv.compile(rebase(schema as Json));
      const ok = validate(seen.body);
      expect(ok, `${seen.method} ${seen.route} ${seen.status}: ${ajv.errorsText(validate.errors)}`).toBe(
        true,
      );
      validated.push(`${seen.method} ${seen.route} ${seen.status}`);
    }
    const statuses = new Set(api.seen.map((x) => x.status));
    for (const status of [200, 400, 401, 403, 404, 409, 413, 415]) expect(statuses).toContain(status);
    expect(validated.length).toBe(api.seen.length);
  });

  it('can fail: a response the document does not allow is refused', async () => {
    const doc = await fetchDocument();
    const validate = validatorFor(doc).compile(rebase({ $ref: '#/components/schemas/Connection' }));
    expect(validate({ name: 'x' })).toBe(false);
  });
});

/** The document's component schemas as one schema resource (`openapi`), so responses' `$ref`s resolve. */
function validatorFor(doc: Json): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: false });
  const components = (doc.components as { schemas: Json }).schemas;
  ajv.addSchema(rebase({ $id: 'openapi', $defs: components }), 'openapi');
  return ajv;
}

/** `#/components/schemas/X` (relative to the document) becomes `openapi#/$defs/X`. */
function rebase(schema: Json): Json {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"openapi#/$defs/')) as Json;
}
