import type { HttpRequest, InvocationContext, Timer } from '@azure/functions';
import { httpRoute, json } from '../http/http-adapter';
import type {
  EventGridInput,
  FunctionDefinition,
  FunctionRegistration,
  RegisteredFunction,
} from './function-definition';
import { healthWithoutImplementation, loadImplementation } from './load-implementation';
import { invocationContext } from './redacting-context';

/**
 * The deployed entry's stand-in for one function (scripts/build-bundle.ts generates one call per
 * function of functions/registry.ts). It registers from plain data and loads the function's own
 * file (its chunk in the package) on the first invocation, through loadImplementation: a file that
 * cannot load is an `implementation_unavailable` error naming function and file, logged once per
 * call and reported by health. This is the only place a function's implementation is loaded.
 *
 * `file` is the function's module relative to the app root (`functions/me`); `load` imports it.
 */
export function lazyFunction(
  registration: FunctionRegistration,
  file: string,
  load: () => Promise<Record<string, unknown>>,
): RegisteredFunction {
  // Every log line of the invocation is redacted of the configured secrets (redacting-context.ts).
  const definitionOf = async (context: InvocationContext): Promise<FunctionDefinition> => {
    const module = await loadImplementation(context, file, load);
    const definition = module[registration.name] as FunctionDefinition | undefined;
    if (definition?.kind !== registration.kind)
      throw new Error(`${file} does not export the ${registration.kind} function ${registration.name}`);
    return definition;
  };
  switch (registration.kind) {
    case 'http':
      return {
        ...registration,
        handler: async (request: HttpRequest, hostContext: InvocationContext) => {
          const context = await invocationContext(hostContext);
          let definition: FunctionDefinition;
          try {
            definition = await definitionOf(context);
          } catch (thrown) {
            // Health answers from the entry alone, naming what failed; every other route as problem+json.
            if (registration.whenUnloadable === 'implementation-health')
              return httpRoute(async () => json(503, healthWithoutImplementation()))(request, context);
            return httpRoute(async () => {
              throw thrown;
            })(request, context);
          }
          return (definition as Extract<FunctionDefinition, { kind: 'http' }>).handler(request, context);
        },
      };
    case 'timer':
      return {
        ...registration,
        handler: async (timer: Timer, hostContext: InvocationContext) => {
          const context = await invocationContext(hostContext);
          return ((await definitionOf(context)) as Extract<FunctionDefinition, { kind: 'timer' }>).handler(
            timer,
            context,
          );
        },
      };
    case 'eventGrid':
      return {
        ...registration,
        handler: async (event: EventGridInput, hostContext: InvocationContext) => {
          const context = await invocationContext(hostContext);
          return (
            (await definitionOf(context)) as Extract<FunctionDefinition, { kind: 'eventGrid' }>
          ).handler(event, context);
        },
      };
    case 'storageQueue':
      return {
        ...registration,
        handler: async (message: unknown, hostContext: InvocationContext) => {
          const context = await invocationContext(hostContext);
          return (
            (await definitionOf(context)) as Extract<FunctionDefinition, { kind: 'storageQueue' }>
          ).handler(message, context);
        },
      };
  }
}
