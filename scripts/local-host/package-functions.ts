/*
 * Loads a staged deployment package the way the Azure Functions Node.js worker does, so the local
 * host serves what ships rather than the compiler's output: the package's package.json `main` is
 * required with `@azure/functions-core` provided (the worker injects that module; it is no npm
 * package), every `registerFunction` call is recorded, and each registration's trigger binding becomes
 * the RegisteredFunction the local host already serves (the same shape functions/registry.ts gives
 * for sources). Implementations load inside the package on each function's first invocation, as in Azure.
 *
 * A package must not lean on anything outside itself: in Azure there is no node_modules next to it.
 * A require from inside the package of something that is neither a Node built-in nor inside the
 * package is refused, even when this repository's node_modules would have answered it.
 */
import { readFileSync } from 'node:fs';
import Module, { createRequire, isBuiltin } from 'node:module';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HttpMethod, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { zodIssues } from '../../shared/config/schema-issues';
import { formatIssues } from '../../shared/errors';
import type {
  EventGridInput,
  RegisteredFunction,
  RegisteredHttpFunction,
} from '../../shared/host/function-definition';

/** The worker's module name for its programming-model API (azure-functions-nodejs-worker, `@azure/functions-core`). */
const CORE_MODULE = '@azure/functions-core';

export class PackageLoadError extends Error {
  constructor(packageDir: string, reason: string) {
    super(`The package in ${packageDir} cannot be served: ${reason}`);
    this.name = 'PackageLoadError';
  }
}

const packageJsonSchema = z.looseObject({
  main: z.string().min(1, 'expected the entry file the host loads'),
  type: z.enum(['commonjs', 'module']).optional(),
});

const bindingSchema = z.looseObject({ type: z.string(), direction: z.string() });
const HTTP_METHODS = [
  'GET',
  'POST',
  'DELETE',
  'HEAD',
  'PATCH',
  'PUT',
  'OPTIONS',
  'TRACE',
  'CONNECT',
] as const;
const httpTriggerSchema = z.looseObject({
  route: z.string().optional(),
  methods: z
    .array(
      z
        .string()
        .transform((m) => m.toUpperCase())
        .pipe(z.enum(HTTP_METHODS)),
    )
    .min(1)
    .optional(),
  authLevel: z.enum(['anonymous', 'function', 'admin']).optional(),
});
const timerTriggerSchema = z.looseObject({
  schedule: z.string().min(1),
  runOnStartup: z.boolean().optional(),
});
const queueTriggerSchema = z.looseObject({ queueName: z.string().min(1), connection: z.string().min(1) });
const metadataSchema = z.looseObject({
  name: z.string().min(1),
  bindings: z.record(z.string(), bindingSchema),
});

type Callback = (...args: unknown[]) => unknown;

interface Registration {
  readonly metadata: unknown;
  readonly callback: unknown;
}

/** What the worker offers the programming model library; the local host needs registration and logs. */
interface CoreApi {
  readonly version: string;
  readonly hostVersion: string;
  registerFunction(metadata: unknown, callback: unknown): { dispose(): void };
  setProgrammingModel(model: unknown): void;
  getProgrammingModel(): unknown;
  registerHook(hookName: string, callback: unknown): { dispose(): void };
  log(level: string, category: string, message: string): void;
  readonly Disposable: new (callOnDispose: () => void) => { dispose(): void };
}

interface Loading {
  readonly packageDir: string;
  readonly registrations: Registration[];
  readonly hooks: string[];
}

/** The package being loaded; registrations made while its entry evaluates belong to it. */
let current: Loading | undefined;
/** Where the library's own system log lines go (the worker forwards them to the host log). */
let systemLog: (level: string, message: string) => void = () => undefined;
/** Every package root loaded in this process: requires from inside them stay inside them. */
const packageRoots: string[] = [];
let installed = false;

const coreApi: CoreApi = {
  // The worker's version as of the library's own minimum (4.x needs worker 3.x); a fixed value is enough here.
  version: '3.12.0',
  hostVersion: '4.1040.0',
  registerFunction(metadata, callback) {
    if (current === undefined)
      throw new Error('registerFunction was called outside package loading (a registration after start-up)');
    current.registrations.push({ metadata, callback });
    return { dispose() {} };
  },
  setProgrammingModel() {},
  getProgrammingModel() {
    return undefined;
  },
  registerHook(hookName) {
    // Invocation and app hooks run around every call in Azure; serving without them would differ silently.
    current?.hooks.push(hookName);
    return { dispose() {} };
  },
  log(level, _category, message) {
    systemLog(level, message);
  },
  Disposable: class {
    constructor(private readonly callOnDispose: () => void) {}
    dispose() {
      this.callOnDispose();
    }
  },
};

function insideAny(file: string): string | undefined {
  return packageRoots.find((root) => file === root || file.startsWith(`${root}${sep}`));
}

/**
 * Provides `@azure/functions-core` the way the worker does, by answering that name in
 * Module.prototype.require (azure-functions-nodejs-worker `setupCoreModule`), and keeps the loaded
 * packages' requires inside them. Installed once per process; outside a package it changes nothing.
 */
function installRequireHook(): void {
  if (installed) return;
  installed = true;
  const original = Module.prototype.require;
  Module.prototype.require = new Proxy(original, {
    apply(target, thisArg: NodeJS.Module, args: [string]) {
      const request = args[0];
      if (request === CORE_MODULE) return coreApi;
      const from = typeof thisArg?.filename === 'string' ? insideAny(thisArg.filename) : undefined;
      if (from !== undefined && !isBuiltin(request)) {
        let resolved: string;
        try {
          resolved = createRequire(thisArg.filename).resolve(request);
        } catch (error) {
          throw new Error(
            `${relative(from, thisArg.filename)} requires "${request}", which the package does not contain: ${(error as Error).message.split('\n')[0]}`,
          );
        }
        if (insideAny(resolved) !== from)
          throw new Error(
            `${relative(from, thisArg.filename)} requires "${request}", which resolves outside the package (${resolved}); in Azure nothing but the package is there`,
          );
      }
      return Reflect.apply(target, thisArg, args);
    },
  }) as typeof original;
}

function readPackageJson(packageDir: string): z.infer<typeof packageJsonSchema> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  } catch (error) {
    throw new PackageLoadError(packageDir, `package.json cannot be read: ${(error as Error).message}`);
  }
  const parsed = packageJsonSchema.safeParse(json);
  if (!parsed.success)
    throw new PackageLoadError(packageDir, `package.json:\n${formatIssues(zodIssues(parsed.error))}`);
  return parsed.data;
}

/** The worker imports an ES module entry and requires a CommonJS one; the file's extension and `type` decide. */
async function loadEntry(entry: string, type: 'commonjs' | 'module' | undefined): Promise<void> {
  const esm = extname(entry) === '.mjs' || (extname(entry) === '.js' && type === 'module');
  if (esm) await import(pathToFileURL(entry).href);
  else createRequire(entry)(entry);
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`${where}:\n${formatIssues(zodIssues(parsed.error))}`);
  return parsed.data;
}

/** One registration as the local host's definition: the trigger binding's options, the package's own handler. */
export function definitionOf(registration: Registration): RegisteredFunction {
  const metadata = parseWith(metadataSchema, registration.metadata, 'a registration');
  const name = metadata.name;
  if (typeof registration.callback !== 'function')
    throw new Error(`function ${name} was registered without a handler`);
  const handler = registration.callback as Callback;
  const triggers = Object.values(metadata.bindings).filter(
    (b) => b.direction === 'in' && /trigger$/i.test(b.type),
  );
  const [trigger] = triggers;
  if (trigger === undefined || triggers.length > 1)
    throw new Error(`function ${name} has ${triggers.length} trigger bindings; a function has exactly one`);
  const where = `function ${name} (${trigger.type})`;
  switch (trigger.type.toLowerCase()) {
    case 'httptrigger': {
      const http = parseWith(httpTriggerSchema, trigger, where);
      return {
        name,
        kind: 'http',
        options: {
          // The host's defaults when the registration leaves them out (the library sets both itself).
          route: http.route ?? '',
          methods: http.methods ?? (['GET', 'POST'] satisfies HttpMethod[]),
          authLevel: http.authLevel ?? 'anonymous',
        },
        handler: handler as RegisteredHttpFunction['handler'],
      };
    }
    case 'timertrigger': {
      const timer = parseWith(timerTriggerSchema, trigger, where);
      return {
        name,
        kind: 'timer',
        options: { schedule: timer.schedule, runOnStartup: timer.runOnStartup ?? false },
        handler: async (value, context) => {
          await handler(value, context);
        },
      };
    }
    case 'eventgridtrigger':
      return {
        name,
        kind: 'eventGrid',
        options: {},
        handler: async (event: EventGridInput, context: InvocationContext) => {
          await handler(event, context);
        },
      };
    case 'queuetrigger': {
      const queue = parseWith(queueTriggerSchema, trigger, where);
      return {
        name,
        kind: 'storageQueue',
        options: { queueName: queue.queueName, connection: queue.connection },
        handler: async (message, context) => {
          await handler(message, context);
        },
      };
    }
    default:
      throw new Error(
        `${where}: the local host serves http, timer, Event Grid and storage queue triggers only`,
      );
  }
}

export interface LoadedPackage {
  /** The staged package folder. */
  readonly packageDir: string;
  /** The entry the worker loads, relative to the package (package.json `main`). */
  readonly main: string;
  readonly definitions: readonly RegisteredFunction[];
}

/**
 * Loads the package in `packageDir` (a folder holding exactly what ships) into this process and
 * returns what it registered. The process environment must already hold the app settings: the entry
 * reads them while it registers (binding expressions), as it does in Azure.
 */
export async function loadPackageFunctions(
  packageDir: string,
  log: (level: string, message: string) => void = () => undefined,
): Promise<LoadedPackage> {
  const root = resolve(packageDir);
  const { main, type } = readPackageJson(root);
  if (/[*?[\]{}]/.test(main))
    throw new PackageLoadError(
      root,
      `package.json main "${main}" is a glob; the local host loads one entry file`,
    );
  const entry = resolve(root, main);
  if (isAbsolute(main) || relative(root, entry).startsWith('..'))
    throw new PackageLoadError(root, `package.json main "${main}" points outside the package`);
  if (current !== undefined) throw new PackageLoadError(root, 'another package is loading in this process');
  installRequireHook();
  if (!packageRoots.includes(root)) packageRoots.push(root);
  const loading: Loading = { packageDir: root, registrations: [], hooks: [] };
  systemLog = log;
  current = loading;
  try {
    await loadEntry(entry, type);
  } catch (error) {
    throw new PackageLoadError(root, `its entry ${main} failed to load: ${(error as Error).message}`);
  } finally {
    current = undefined;
  }
  if (loading.hooks.length > 0)
    throw new PackageLoadError(
      root,
      `it registers hooks (${loading.hooks.join(', ')}), which the local host does not run; serving it without them would differ from Azure`,
    );
  if (loading.registrations.length === 0)
    throw new PackageLoadError(
      root,
      `its entry ${main} registered no function (already loaded in this process, or not a Functions app?)`,
    );
  const definitions: RegisteredFunction[] = [];
  for (const registration of loading.registrations) {
    try {
      definitions.push(definitionOf(registration));
    } catch (error) {
      throw new PackageLoadError(root, (error as Error).message);
    }
  }
  return { packageDir: root, main, definitions };
}
