import { describe, expect, it } from 'vitest';
import { ROUTE_SPECS, servedOpenApiDocument } from '../../../functions/openApiDocument';
import { buildOpenApiDocument } from '../../../shared/api/use-cases/openapi-document';

type Json = Record<string, unknown>;

function collectRefs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) collectRefs(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Json)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else collectRefs(v, out);
    }
  }
  return out;
}

describe('the OpenAPI document', () => {
  const doc = servedOpenApiDocument() as Json & {
    paths: Record<string, Record<string, Json>>;
    components: Json & { schemas: Json };
  };

  it('is OpenAPI 3.1 with one operation per route spec', () => {
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.values(doc.paths).flatMap((item) => Object.values(item));
    expect(operations.map((o) => o.operationId).sort()).toEqual(ROUTE_SPECS.map((s) => s.operationId).sort());
  });

  it('resolves every $ref inside the document and keeps no per-schema $defs or $schema', () => {
    const text = JSON.stringify(doc);
    expect(text).not.toContain('"$defs"');
    expect(text).not.toContain('"$schema"');
    for (const ref of collectRefs(doc)) {
      const target = ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], doc);
      expect(target, ref).toBeDefined();
    }
  });

  it('documents 401 and 403 on every protected route, and the role it needs', () => {
    for (const spec of ROUTE_SPECS.filter((s) => s.access === 'read' || s.access === 'approve')) {
      const op = doc.paths[`/${spec.route}`]?.[spec.method] as Json & { responses: Json };
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
      expect(op['x-required-role']).toBe(spec.access === 'read' ? 'reader' : 'approver');
    }
    const health = doc.paths['/health']?.get as Json;
    expect(health.security).toEqual([]);
  });

  it('generates query parameters and bodies from the zod schemas (one source of truth)', () => {
    const list = doc.paths['/connections']?.get as Json & { parameters: { name: string; schema: Json }[] };
    expect(list.parameters.map((p) => p.name)).toEqual([
      'status',
      'pls',
      'customer',
      'limit',
      'continuationToken',
    ]);
    expect(list.parameters.find((p) => p.name === 'limit')?.schema).toMatchObject({
      type: 'string',
      pattern: '^\\d{1,4}$',
    });
    const reject = doc.paths['/connections/{pls}/{connection}/reject']?.post as Json & { requestBody: Json };
    expect(reject.requestBody).toMatchObject({ required: true });
    expect(JSON.stringify(reject.requestBody)).toContain('"required":["reason"]');
    expect(JSON.stringify(reject.requestBody)).toContain('"additionalProperties":false');
  });

  it('is deterministic', () => {
    expect(JSON.stringify(buildOpenApiDocument(ROUTE_SPECS))).toBe(JSON.stringify(doc));
  });
});
