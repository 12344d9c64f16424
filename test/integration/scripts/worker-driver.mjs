// Loads a built entry the way the Functions Node.js worker does: `@azure/functions-core` is
// provided by patching Module.prototype.require, and the entry is imported (ESM) or required (CJS).
// Prints what got registered as JSON; with --call-health also invokes the registered health handler,
// with --call-me the `me` handler without a principal (its 401 is an AppError thrown in a chunk and
// mapped by the adapter in the entry, so it proves the two share one module graph); with
// --import-chunks also imports every chunk under chunks/ next to the entry; with --call <name>
// (repeatable, in order) GETs that HTTP function into `calls`. Every line a handler logs through
// its InvocationContext is in `logs`. DRIVER_PRINCIPAL, when set, is sent as x-ms-client-principal.
import { readdirSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const registrations = [];
const coreApi = {
  version: '3.12.0',
  hostVersion: '4.1040.0',
  registerFunction(metadata, callback) {
    registrations.push({ metadata, callback });
    return { dispose() {} };
  },
  setProgrammingModel() {},
  getProgrammingModel() {},
  registerHook() {
    return { dispose() {} };
  },
  log() {},
  Disposable: class {},
};
const originalRequire = Module.prototype.require;
Module.prototype.require = new Proxy(originalRequire, {
  apply(target, thisArg, args) {
    return args[0] === '@azure/functions-core' ? coreApi : Reflect.apply(target, thisArg, args);
  },
});

const [entry, ...flags] = process.argv.slice(2);
const file = resolve(entry);
if (file.endsWith('.mjs')) await import(pathToFileURL(file).href);
else createRequire(import.meta.url)(file);

const report = {
  functions: registrations.map((r) => ({
    name: r.metadata.name,
    triggerTypes: Object.values(r.metadata.bindings ?? {})
      .filter((b) => b.direction === 'in')
      .map((b) => b.type),
  })),
};
report.logs = [];
async function callHttp(name, route) {
  const { HttpRequest, InvocationContext } = createRequire(import.meta.url)('@azure/functions');
  const registered = registrations.find((r) => r.metadata.name === name);
  const logHandler = (level, ...args) => report.logs.push({ function: name, level, message: args.join(' ') });
  const response = await registered.callback(
    new HttpRequest({
      method: 'GET',
      url: `http://127.0.0.1/api/${route}`,
      headers: process.env.DRIVER_PRINCIPAL ? { 'x-ms-client-principal': process.env.DRIVER_PRINCIPAL } : {},
    }),
    new InvocationContext({ functionName: name, invocationId: 'driver', logHandler }),
  );
  return { status: response.status, body: response.jsonBody };
}
if (flags.includes('--call-health')) report.health = await callHttp('health', 'health');
if (flags.includes('--call-me')) report.me = await callHttp('me', 'me');
report.calls = [];
for (let i = 0; i < flags.length; i++) {
  if (flags[i] !== '--call') continue;
  const name = flags[i + 1];
  report.calls.push({ name, ...(await callHttp(name, name)) });
}
if (flags.includes('--import-chunks')) {
  // Every lazily loaded chunk must evaluate in ESM (no clash with the banner's require/__dirname shims).
  const dir = join(dirname(file), 'chunks');
  const chunks = readdirSync(dir).filter((f) => f.endsWith('.mjs'));
  for (const chunk of chunks) await import(pathToFileURL(join(dir, chunk)).href);
  report.chunksImported = chunks.length;
}
process.stdout.write(JSON.stringify(report));
