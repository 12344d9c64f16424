import { acceptConnectionEvent } from '../shared/approval/use-cases/accept-connection-event';
import { getContainer } from '../shared/composition-root';
import type { EventGridFunctionDefinition } from '../shared/host/function-definition';

/** Event Grid: a hint that a managed PLS may have changed, queued for reconcileQueuedPls (answers at once). */
export const onConnectionEvent: EventGridFunctionDefinition = {
  name: 'onConnectionEvent',
  kind: 'eventGrid',
  options: {},
  handler: async (event, context) => {
    const services = await getContainer().approvalServices();
    await acceptConnectionEvent(services, event, {
      correlationId: context.invocationId,
      log: context,
    });
  },
};
