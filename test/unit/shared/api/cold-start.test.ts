import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// This feature's function files (the dashboard's are held to the same pattern by its own tests).
const API_FUNCTIONS = [
  'listConnections',
  'getConnection',
  'approveConnection',
  'rejectConnection',
  'listDecisions',
  'evaluatePolicy',
  'openApiDocument',
];

describe('API function files stay light at cold start', () => {
  it.each(API_FUNCTIONS)(
    'functions/%s.ts imports only the definition types, the loader and the HTTP adapter',
    (name) => {
      const source = readFileSync(join(__dirname, '../../../../functions', `${name}.ts`), 'utf8');
      const imports = [...source.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^']+)';/gm)].map(
        (m) => `${m[1] ? 'type ' : ''}${m[2]}`,
      );
      expect(imports).toEqual([
        'type ../shared/host/function-definition',
        '../shared/host/load-implementation',
        '../shared/http/http-adapter',
      ]);
      // The implementation (zod schemas, SDKs) loads on first call.
      expect(source).toContain("() => import('../shared/api/routes/api-routes')");
      expect(source).toContain("authLevel: 'function'");
    },
  );
});
