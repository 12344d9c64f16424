import type { EventGridFunctionDefinition } from '../shared/host/function-definition';

/** Event Grid: a hint that a managed PLS may have changed, queued for reconcileWorkItem (answers at once). */
export const onConnectionEvent: EventGridFunctionDefinition = {
  name: 'onConnectionEvent',
  kind: 'eventGrid',
  options: {},
  // Loads the implementation (and @azure/eventgrid) on the first event, not at cold start.
  handler: async (event, context) => {
    const [{ getContainer }, { acceptConnectionEvent }, { invocationLog }] = await Promise.all([
      import('../shared/composition-root'),
      import('../shared/approval/use-cases/accept-connection-event'),
      import('../shared/approval/handlers/invocation-log'),
    ]);
    const services = await getContainer().approvalServices();
    await acceptConnectionEvent(services, event, {
      correlationId: context.invocationId,
      log: invocationLog(context),
    });
  },
};
