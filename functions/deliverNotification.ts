import type { QueueFunctionDefinition } from '../shared/host/function-definition';

export const deliverNotification: QueueFunctionDefinition = {
  name: 'deliverNotification',
  kind: 'storageQueue',
  options: { queueName: '%NOTIFY_QUEUE_NAME%', connection: 'AzureWebJobsStorage' },
  handler: async (message, context) => {
    await (await import('../shared/notify/handlers/notify-handlers')).handleDeliveryMessage(message, context);
  },
};
