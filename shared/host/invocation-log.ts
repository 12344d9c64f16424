/** Structured log lines written through the invocation context at the entry's level (the trigger layer's logger). */
import type { InvocationContext } from '@azure/functions';

/** One structured line; `level` picks the context's method (info when absent). */
export type InvocationLog = (entry: Record<string, unknown> & { readonly level?: 'warn' | 'error' }) => void;

export function invocationLog(context: InvocationContext): InvocationLog {
  return (entry) => {
    const line = JSON.stringify(entry);
    if (entry.level === 'error') context.error(line);
    else if (entry.level === 'warn') context.warn(line);
    else context.log(line);
  };
}
