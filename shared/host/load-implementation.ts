import type { InvocationContext } from '@azure/functions';
import { AppError, type FieldIssue } from '../errors';
import { bundleChunkOf } from './bundle-chunks';

/*
 * How the deployed entry loads a function's file on its first call (shared/host/lazy-function.ts is
 * the only caller). In the package each function file is an ESM chunk (scripts/build-bundle.ts); a
 * chunk that is missing or does not evaluate would otherwise surface as a bare 500 whose log line
 * says `"cause":"Error"`. Here it becomes an AppError naming the function and the file, one log line
 * with the loader's error, and an entry in a process-wide list that GET /api/health reports. This
 * module lives in the entry (the generated entry imports it), and the chunks reach the entry's own
 * instance (one module graph), so the list health reads is the one the loader writes.
 */

/** One implementation that did not load: which function, which file, and why. */
export interface ImplementationFailure {
  readonly functionName: string;
  /** The source module, relative to the app root: `functions/health`. */
  readonly file: string;
  /** Where the deployed bundle holds it: `chunks/functions.health.mjs`. */
  readonly bundleFile: string;
  /** The loader's error, its code (or name) and first line, with absolute paths cut to file names. */
  readonly error: string;
  readonly failedAt: string;
}

/** By function and file; a later successful load of the same file removes its entry. */
const failures = new Map<string, ImplementationFailure>();

/**
 * Loads `file` (the module `load` imports, named relative to the app root) for the invoking
 * function. On failure: logs `function.implementation_unavailable` with the function, the file and
 * the error, records it for health, and throws `implementation_unavailable` (500) whose message
 * names function and file but not the loader's text (that stays in the log and reader health).
 */
export async function loadImplementation<T>(
  context: InvocationContext,
  file: string,
  load: () => Promise<T>,
): Promise<T> {
  const functionName = context.functionName;
  const key = `${functionName}\u0000${file}`;
  try {
    const loaded = await load();
    failures.delete(key);
    return loaded;
  } catch (thrown) {
    const failure: ImplementationFailure = {
      functionName,
      file,
      bundleFile: bundleChunkOf(file),
      error: describeLoadError(thrown),
      failedAt: new Date().toISOString(),
    };
    failures.set(key, failure);
    context.error(
      JSON.stringify({
        event: 'function.implementation_unavailable',
        function: functionName,
        file,
        bundleFile: failure.bundleFile,
        // The full first line here (absolute paths included): the log is for the operator.
        error: describeLoadError(thrown, { keepPaths: true }),
      }),
    );
    throw new AppError(
      'implementation_unavailable',
      `The function ${functionName} cannot load its implementation ${file} (${failure.bundleFile} in the package): the deployment package is incomplete or broken. The log line function.implementation_unavailable and GET /api/health name the error.`,
      { cause: thrown },
    );
  }
}

/** Every implementation that failed to load in this process and has not loaded since, oldest first. */
export function implementationFailures(): readonly ImplementationFailure[] {
  return [...failures.values()];
}

/** The failures as health issues: the function as the path, the file and the error as the message. */
export function implementationIssues(): FieldIssue[] {
  return implementationFailures().map((f) => ({
    path: f.functionName,
    message: `${f.file} (${f.bundleFile}) did not load: ${f.error}`,
  }));
}

/** The one sentence health and the banner show above the issues. */
export function implementationProblemMessage(count: number): string {
  return `${count === 1 ? '1 function cannot' : `${count} functions cannot`} load ${count === 1 ? 'its' : 'their'} implementation and ${count === 1 ? 'fails' : 'fail'} on every call until the deployment package is fixed (redeploy the package npm run package builds)`;
}

/**
 * What GET /api/health answers when its own implementation is the one that cannot load: nothing
 * else can be checked (the checks live in that chunk), so 503 `unhealthy` with the failures. Built
 * from this module alone, which the entry holds. It names package files and the loader's message
 * with paths cut to file names, nothing from settings or requests, so every caller may read it.
 */
export function healthWithoutImplementation(): {
  readonly status: 'unhealthy';
  readonly features: Record<string, unknown>;
  readonly dependencies: readonly unknown[];
} {
  const issues = implementationIssues();
  return {
    status: 'unhealthy',
    features: {
      functions: {
        state: 'invalid',
        detail: { failed: issues.length },
        problem: { message: implementationProblemMessage(issues.length), issues, issueCount: issues.length },
      },
    },
    dependencies: [],
  };
}

const ABSOLUTE_PATH = /(?:file:\/\/)?(?:[A-Za-z]:)?(?:[\\/][^\s'"`\\/]+)*[\\/]([^\s'"`\\/]+)/g;

/** `ERR_MODULE_NOT_FOUND: Cannot find module 'x.mjs' imported from main.js`: code or name, first line, no stack. */
function describeLoadError(thrown: unknown, options: { readonly keepPaths?: boolean } = {}): string {
  if (!(thrown instanceof Error)) return `non-error thrown: ${typeof thrown}`;
  const code = (thrown as { code?: unknown }).code;
  const label = typeof code === 'string' ? code : thrown.name;
  const firstLine = (thrown.message.split('\n')[0] ?? '').slice(0, 500);
  return `${label}: ${options.keepPaths === true ? firstLine : firstLine.replace(ABSOLUTE_PATH, '$1')}`;
}
