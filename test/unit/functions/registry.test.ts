import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../functions/registry';
import { compileRoute } from '../../../scripts/local-host/route-table';
import { ncrontab, resolveSchedule } from '../../../scripts/local-host/timer-scheduler';
import { type FunctionDefinition, resolveBindingExpression } from '../../../shared/host/function-definition';

const FUNCTIONS_DIR = join(__dirname, '..', '..', '..', 'functions');
const functionFiles = readdirSync(FUNCTIONS_DIR)
  .filter((f) => f.endsWith('.ts') && f !== 'registry.ts' && f !== 'http-registry.ts')
  .sort();

function isDefinition(value: unknown): value is FunctionDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { name?: unknown }).name === 'string' &&
    ['http', 'timer', 'eventGrid', 'storageQueue'].includes((value as { kind?: string }).kind ?? '') &&
    typeof (value as { handler?: unknown }).handler === 'function'
  );
}

describe('function registry', () => {
  it.each(functionFiles)(
    '%s exports exactly one definition, named after the file, listed in FUNCTIONS',
    async (file) => {
      const module = (await import(join(FUNCTIONS_DIR, file))) as Record<string, unknown>;
      const definitions = Object.values(module).filter(isDefinition);
      expect(definitions).toHaveLength(1);
      const [definition] = definitions;
      expect(definition?.name).toBe(basename(file, '.ts'));
      expect(FUNCTIONS).toContain(definition);
    },
  );

  it('lists nothing that has no file of its own', () => {
    expect(FUNCTIONS.map((f) => `${f.name}.ts`).sort()).toEqual(functionFiles);
  });

  it('has unique names (the host compares them case-insensitively)', () => {
    const names = FUNCTIONS.map((f) => f.name.toLowerCase());
    expect(new Set(names).size).toBe(names.length);
  });

  it('uses only the route grammar the local host serves (literals and whole-segment {name})', () => {
    for (const f of FUNCTIONS) {
      if (f.kind !== 'http') continue;
      expect(() => compileRoute(f.options.route, f.options.methods, f.name), f.name).not.toThrow();
    }
  });

  it('has valid routes, unique per method', () => {
    const seen = new Map<string, string>();
    for (const f of FUNCTIONS) {
      if (f.kind !== 'http') continue;
      const route = compileRoute(f.options.route, f.options.methods, f.name);
      // Parameter names do not make routes different: `a/{x}` and `a/{y}` collide.
      const shape = route.segments.map((s) => (s.kind === 'literal' ? s.text : '{}')).join('/');
      for (const method of route.methods) {
        const key = `${method} ${shape}`;
        expect(seen.get(key), `${f.name} and ${seen.get(key)} both serve ${key}`).toBeUndefined();
        seen.set(key, f.name);
      }
    }
  });

  it('resolves every schedule and queue name from the documented defaults', () => {
    for (const f of FUNCTIONS) {
      if (f.kind === 'timer') expect(() => ncrontab(resolveSchedule(f, {}))).not.toThrow();
      if (f.kind === 'storageQueue')
        expect(resolveBindingExpression(f.options.queueName, {})).toMatch(/^[a-z0-9-]{3,63}$/);
    }
  });
});
