import { randomUUID } from 'node:crypto';
import { InvocationContext, type TriggerMetadata } from '@azure/functions';
import { isAppError } from '../../shared/errors';
import { type HostLogger, logHandlerFor, type TriggerKind } from './invocation-logger';

export type InvocationOutcome<T> =
  | { readonly ok: true; readonly value: T; readonly invocationId: string }
  | { readonly ok: false; readonly error: unknown; readonly invocationId: string };

export interface InvokeRequest<T> {
  readonly logger: HostLogger;
  readonly functionName: string;
  readonly trigger: TriggerKind;
  readonly detail: string;
  readonly triggerMetadata?: TriggerMetadata;
  readonly run: (context: InvocationContext) => Promise<T>;
  /** Summarises a successful result for the log line (an HTTP status, for instance). */
  readonly describe?: (value: T) => string | undefined;
}

/** One reason line for a failure: our error code when it is ours, else the error's class and message (local logs only). */
export function failureReason(error: unknown): string {
  if (isAppError(error)) return `${error.code}: ${error.message.split('\n')[0]}`;
  if (error instanceof Error) return `${error.name}: ${error.message.split('\n')[0]}`;
  return String(error);
}

/**
 * Runs one invocation the way the host does: a fresh InvocationContext whose logs reach the host
 * log, timing, and one line with the outcome. Never throws; the caller maps a failure to its
 * trigger's semantics (500, retry, poison queue).
 */
export async function invoke<T>(request: InvokeRequest<T>): Promise<InvocationOutcome<T>> {
  const invocationId = randomUUID();
  const context = new InvocationContext({
    invocationId,
    functionName: request.functionName,
    logHandler: logHandlerFor(request.logger, request.functionName, invocationId),
    ...(request.triggerMetadata === undefined ? {} : { triggerMetadata: request.triggerMetadata }),
  });
  const started = performance.now();
  const base = {
    functionName: request.functionName,
    invocationId,
    trigger: request.trigger,
    detail: request.detail,
  };
  try {
    const value = await request.run(context);
    const result = request.describe?.(value);
    request.logger.invocation({
      ...base,
      durationMs: performance.now() - started,
      outcome: 'succeeded',
      ...(result === undefined ? {} : { result }),
    });
    return { ok: true, value, invocationId };
  } catch (error) {
    request.logger.invocation({
      ...base,
      durationMs: performance.now() - started,
      outcome: 'failed',
      result: failureReason(error),
    });
    if (!isAppError(error) && error instanceof Error && error.stack !== undefined)
      request.logger.error(`${request.functionName} (${invocationId}) threw:\n${error.stack}`);
    return { ok: false, error, invocationId };
  }
}
