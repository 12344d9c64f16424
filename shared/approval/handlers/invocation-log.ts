/** The approval side's structured log lines, written through the invocation context at the entry's level. */
import type { InvocationContext } from '@azure/functions';
import type { Log } from '../use-cases/approval-services';

export function invocationLog(context: InvocationContext): Log {
  return (entry) => {
    const line = JSON.stringify(entry);
    if (entry.level === 'error') context.error(line);
    else if (entry.level === 'warn') context.warn(line);
    else context.log(line);
  };
}
