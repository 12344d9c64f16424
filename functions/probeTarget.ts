import type { QueueFunctionDefinition } from '../shared/host/function-definition';

export const probeTarget: QueueFunctionDefinition = {
  name: 'probeTarget',
  kind: 'storageQueue',
  options: { queueName: '%PROBE_QUEUE_NAME%', connection: 'AzureWebJobsStorage' },
  handler: async (message, context) => {
    await (await import('../shared/probe/handlers/probe-handlers')).runQueuedProbe(message, context);
  },
};
