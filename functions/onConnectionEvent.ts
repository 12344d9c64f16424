import type { EventGridFunctionDefinition } from '../shared/host/function-definition';
import { loadImplementation } from '../shared/host/load-implementation';

/** Event Grid: a hint that a managed PLS may have changed, queued for reconcileWorkItem (answers at once). */
export const onConnectionEvent: EventGridFunctionDefinition = {
  name: 'onConnectionEvent',
  kind: 'eventGrid',
  options: {},
  // Loads the implementation (and @azure/eventgrid) on the first event, not at cold start.
  handler: async (event, context) => {
    const [{ getContainer }, { acceptConnectionEvent }, { invocationLog }] = await Promise.all([
      loadImplementation(context, 'shared/composition-root', () => import('../shared/composition-root')),
      loadImplementation(
        context,
        'shared/approval/use-cases/accept-connection-event',
        () => import('../shared/approval/use-cases/accept-connection-event'),
      ),
      loadImplementation(
        context,
        'shared/approval/handlers/invocation-log',
        () => import('../shared/approval/handlers/invocation-log'),
      ),
    ]);
    const services = await getContainer().approvalServices();
    await acceptConnectionEvent(services, event, {
      correlationId: context.invocationId,
      log: invocationLog(context),
    });
  },
};
