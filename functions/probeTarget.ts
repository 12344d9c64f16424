import type { QueueFunctionDefinition } from '../shared/host/function-definition';
import { loadImplementation } from '../shared/host/load-implementation';

export const probeTarget: QueueFunctionDefinition = {
  name: 'probeTarget',
  kind: 'storageQueue',
  options: { queueName: '%PROBE_QUEUE_NAME%', connection: 'AzureWebJobsStorage' },
  handler: async (message, context) => {
    await (
      await loadImplementation(
        context,
        'shared/probe/handlers/probe-handlers',
        () => import('../shared/probe/handlers/probe-handlers'),
      )
    ).runQueuedProbe(message, context);
  },
};
