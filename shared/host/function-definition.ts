import type { EventGridEvent, HttpHandler, HttpMethod, InvocationContext, Timer } from '@azure/functions';
import { type SettingName, settingDefault } from '../config/settings';
import type { Access, RouteApi } from '../http/route-spec';

/**
 * What each file under functions/ exports: one function, whole: its registration (name, trigger,
 * options), for HTTP its access and API description, and its handler (the adapter: parse input,
 * call one use case with its ports, map the result). The deployed entry is generated from the
 * registrations of functions/registry.ts (scripts/build-bundle.ts) and the local host registers
 * the same list, so the two can never disagree on names, routes or schedules.
 */
export interface HttpFunctionDefinition {
  readonly name: string;
  readonly kind: 'http';
  readonly options: {
    /** Route under /api, in the host's template syntax: `connections/{pls}/{connection}/approve`. */
    readonly route: string;
    readonly methods: readonly HttpMethod[];
    readonly authLevel: 'anonymous' | 'function' | 'admin';
  };
  /** Who may call it beyond the host's auth level (the handler authorises; the OpenAPI document says so). */
  readonly access: Access;
  readonly api: RouteApi;
  /**
   * `implementation-health`: when this function's own chunk cannot load, the entry answers 503 with
   * the implementation failures it knows (health must answer even then). Registration data.
   */
  readonly whenUnloadable?: 'implementation-health';
  readonly handler: HttpHandler;
}

export interface TimerFunctionDefinition {
  readonly name: string;
  readonly kind: 'timer';
  readonly options: {
    /** `%SETTING%` (resolved from app settings, with the setting's documented default) or a literal NCRONTAB. */
    readonly schedule: `%${SettingName}%` | string;
    readonly runOnStartup?: boolean;
  };
  readonly handler: (timer: Timer, context: InvocationContext) => Promise<void>;
}

/** The event as the host hands it to the function: Event Grid schema, or a CloudEvent (kept `unknown`; parsed by a schema). */
export type EventGridInput = EventGridEvent | Record<string, unknown>;

export interface EventGridFunctionDefinition {
  readonly name: string;
  readonly kind: 'eventGrid';
  readonly options: Record<string, never>;
  readonly handler: (event: EventGridInput, context: InvocationContext) => Promise<void>;
}

export interface QueueFunctionDefinition {
  readonly name: string;
  readonly kind: 'storageQueue';
  readonly options: {
    /** `%SETTING%` or a literal queue name. */
    readonly queueName: string;
    /** App setting prefix of the storage connection (`AzureWebJobsStorage`). */
    readonly connection: string;
  };
  readonly handler: (message: unknown, context: InvocationContext) => Promise<void>;
}

export type FunctionDefinition =
  | HttpFunctionDefinition
  | TimerFunctionDefinition
  | EventGridFunctionDefinition
  | QueueFunctionDefinition;

/**
 * What the host needs to register a function, and nothing else: the definition without its handler
 * and its API description (no schemas). The build reads these from the registry and writes them
 * into the generated entry as plain data.
 */
export type FunctionRegistration =
  | Pick<HttpFunctionDefinition, 'name' | 'kind' | 'options' | 'whenUnloadable'>
  | Pick<TimerFunctionDefinition, 'name' | 'kind' | 'options'>
  | Pick<EventGridFunctionDefinition, 'name' | 'kind' | 'options'>
  | Pick<QueueFunctionDefinition, 'name' | 'kind' | 'options'>;

/** What the host's `app` registers: a registration and its handler (every definition is one). */
export type RegisteredHttpFunction = Pick<HttpFunctionDefinition, 'name' | 'kind' | 'options' | 'handler'>;
export type RegisteredFunction =
  | RegisteredHttpFunction
  | Pick<TimerFunctionDefinition, 'name' | 'kind' | 'options' | 'handler'>
  | Pick<EventGridFunctionDefinition, 'name' | 'kind' | 'options' | 'handler'>
  | Pick<QueueFunctionDefinition, 'name' | 'kind' | 'options' | 'handler'>;

export function registrationOf(definition: FunctionDefinition): FunctionRegistration {
  const { name, kind, options } = definition;
  if (definition.kind === 'http' && definition.whenUnloadable !== undefined)
    return { name, kind: 'http', options: definition.options, whenUnloadable: definition.whenUnloadable };
  return { name, kind, options } as FunctionRegistration;
}

const SETTING_EXPRESSION = /^%([A-Za-z0-9_]+)%$/;

/**
 * Resolves a `%SETTING%` binding expression the way the host does, falling back to the setting's
 * documented default when the app setting is absent (the host itself would fail on a missing one).
 */
export function resolveBindingExpression(
  expression: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const match = SETTING_EXPRESSION.exec(expression);
  if (match === null) return expression;
  const name = match[1] as SettingName;
  const value = env[name];
  if (value !== undefined && value.trim() !== '') return value;
  const fallback = settingDefault(name);
  if (fallback === undefined)
    throw new Error(`Binding expression ${expression} names an app setting with no value and no default.`);
  return fallback;
}
