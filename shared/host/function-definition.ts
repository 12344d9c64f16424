import type { EventGridEvent, HttpHandler, HttpMethod, InvocationContext, Timer } from '@azure/functions';
import { type SettingName, settingDefault } from '../config/settings';

/**
 * What each file under functions/ exports: a plain description of one function. The real host's
 * entry module and the local host both register from the same list (functions/index.ts), so the
 * two can never disagree on names, routes or schedules.
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
