import type { InvocationContext } from '@azure/functions';
import { getContainer } from '../../composition-root';
import { toAppError } from '../../errors';
import { parseConnectionEvent } from '../adapters/connection-event';
import type { Log } from '../use-cases/approval-services';
import { handleParsedEvent } from '../use-cases/handle-connection-event';

/**
 * The `onConnectionEvent` Event Grid trigger. A malformed event is permanent (a retry brings the
 * same bytes), so it is logged and dropped; a transient failure (ARM throttled, storage down) is
 * thrown so Event Grid retries; the timer catches up either way.
 */
export async function onConnectionEvent(event: unknown, context: InvocationContext): Promise<void> {
  const log: Log = (entry) => context.log(JSON.stringify(entry));
  const parsed = await parseConnectionEvent(event);
  if (parsed.kind === 'malformed') {
    context.warn(JSON.stringify({ event: 'approval.event.malformed', id: parsed.id, issues: parsed.issues }));
    return;
  }
  if (parsed.kind === 'ignored') {
    log({ event: 'approval.event.ignored', id: parsed.id, reason: parsed.reason });
    return;
  }
  try {
    await handleParsedEvent(getContainer(), parsed, { correlationId: context.invocationId, log });
  } catch (error) {
    const appError = toAppError(error);
    context.error(JSON.stringify({ event: 'approval.event.failed', id: parsed.id, code: appError.code }));
    if (appError.transient) throw appError;
  }
}
