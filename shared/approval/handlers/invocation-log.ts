/** The logger of the approval side's use cases: the invocation context itself, which is a kernel Log. */
import type { InvocationContext } from '@azure/functions';
import type { Log } from '../../log';

export function invocationLog(context: InvocationContext): Log {
  return context;
}
