import type { EventGridFunctionDefinition } from '../shared/host/function-definition';

export const onConnectionEvent: EventGridFunctionDefinition = {
  name: 'onConnectionEvent',
  kind: 'eventGrid',
  options: {},
  // Loads the implementation (and @azure/eventgrid) on the first event, not at cold start.
  handler: async (event, context) =>
    (await import('../shared/approval/handlers/connection-event-handler')).onConnectionEvent(event, context),
};
