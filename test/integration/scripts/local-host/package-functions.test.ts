import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext } from '@azure/functions';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPackageFunctions } from '../../../../scripts/local-host/package-functions';

/**
 * The loader on small hand-written packages: what each trigger's registration becomes, and what it
 * refuses (a package that leans on anything outside itself, hooks it would not run, a bad main).
 * The packages register through `@azure/functions-core` directly, the call @azure/functions makes.
 */

const ROOT = join(__dirname, '..', '..', '..', '..');
const made: string[] = [];

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A package folder holding package.json (main: main.js) and main.js; under `parent` (default: outside the repository). */
function fixture(mainJs: string, parent?: string): string {
  let dir: string;
  if (parent === undefined) dir = mkdtempSync(join(tmpdir(), 'plg-package-fixture-'));
  else {
    dir = join(parent, randomBytes(6).toString('hex'));
    mkdirSync(dir, { recursive: true });
  }
  made.push(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fixture', main: 'main.js' }));
  writeFileSync(join(dir, 'main.js'), mainJs);
  return dir;
}

const REGISTERS_FOUR = `
const core = require('@azure/functions-core');
const trigger = (name, binding) => ({ name, bindings: { t: { direction: 'in', ...binding } } });
core.registerFunction(
  trigger('hello', { type: 'httpTrigger', route: 'hello/{who}', methods: ['get', 'POST'], authLevel: 'function' }),
  async (request) => ({ status: 200, jsonBody: { who: request.params.who } }),
);
core.registerFunction(trigger('tick', { type: 'timerTrigger', schedule: '%TICK_SCHEDULE%', runOnStartup: true }), async () => {});
core.registerFunction(trigger('work', { type: 'queueTrigger', queueName: 'work-items', connection: 'AzureWebJobsStorage' }), async () => {});
core.registerFunction(trigger('events', { type: 'eventGridTrigger' }), async (event) => { globalThis.__fixtureEvent = event; });
`;

describe('loadPackageFunctions', () => {
  it('turns each registration into what the local host serves, with the package’s own handler', async () => {
    const loaded = await loadPackageFunctions(fixture(REGISTERS_FOUR));
    expect(loaded.main).toBe('main.js');
    expect(loaded.definitions.map((d) => ({ name: d.name, kind: d.kind, options: d.options }))).toEqual([
      {
        name: 'hello',
        kind: 'http',
        options: { route: 'hello/{who}', methods: ['GET', 'POST'], authLevel: 'function' },
      },
      { name: 'tick', kind: 'timer', options: { schedule: '%TICK_SCHEDULE%', runOnStartup: true } },
      {
        name: 'work',
        kind: 'storageQueue',
        options: { queueName: 'work-items', connection: 'AzureWebJobsStorage' },
      },
      { name: 'events', kind: 'eventGrid', options: {} },
    ]);
    const events = loaded.definitions.find((d) => d.kind === 'eventGrid');
    if (events?.kind !== 'eventGrid') throw new Error('no Event Grid function');
    await events.handler({ id: 'e1' }, new InvocationContext({ logHandler: () => {} }));
    expect((globalThis as { __fixtureEvent?: unknown }).__fixtureEvent).toEqual({ id: 'e1' });
  });

  it('refuses a package that requires a package it does not contain, even when node_modules above it has one', async () => {
    // Inside the repository, Node would find zod in its node_modules; in Azure nothing is there.
    const inside = fixture("require('zod');\n", join(ROOT, 'dist', 'test-fixtures'));
    await expect(loadPackageFunctions(inside)).rejects.toThrow(
      /requires "zod", which resolves outside the package/,
    );
    const outside = fixture("require('zod');\n");
    await expect(loadPackageFunctions(outside)).rejects.toThrow(
      /requires "zod", which the package does not contain/,
    );
  });

  it('lets the package require Node built-ins and its own files', async () => {
    const dir = fixture(`require('node:path'); require('crypto'); require('./lib/helper.js');
require('@azure/functions-core').registerFunction({ name: 'ok', bindings: { t: { type: 'eventGridTrigger', direction: 'in' } } }, async () => {});`);
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'lib', 'helper.js'), "module.exports = require('node:os');\n");
    expect((await loadPackageFunctions(dir)).definitions.map((d) => d.name)).toEqual(['ok']);
  });

  it('refuses hooks it would not run, a glob main, a main outside the package and an entry that registers nothing', async () => {
    await expect(
      loadPackageFunctions(
        fixture(`const core = require('@azure/functions-core');
core.registerHook('preInvocation', () => {});
core.registerFunction({ name: 'x', bindings: { t: { type: 'eventGridTrigger', direction: 'in' } } }, async () => {});`),
      ),
    ).rejects.toThrow(/registers hooks \(preInvocation\)/);
    const glob = fixture('');
    writeFileSync(join(glob, 'package.json'), JSON.stringify({ main: 'dist/*.js' }));
    await expect(loadPackageFunctions(glob)).rejects.toThrow(/is a glob/);
    const escaping = fixture('');
    writeFileSync(join(escaping, 'package.json'), JSON.stringify({ main: '../elsewhere.js' }));
    await expect(loadPackageFunctions(escaping)).rejects.toThrow(/points outside the package/);
    await expect(loadPackageFunctions(fixture('// nothing\n'))).rejects.toThrow(/registered no function/);
  });

  it('refuses a trigger the local host cannot serve, naming the function', async () => {
    const dir = fixture(`require('@azure/functions-core').registerFunction(
  { name: 'blobby', bindings: { t: { type: 'blobTrigger', direction: 'in', path: 'x/{name}' } } }, async () => {});`);
    await expect(loadPackageFunctions(dir)).rejects.toThrow(/function blobby \(blobTrigger\)/);
  });
});
