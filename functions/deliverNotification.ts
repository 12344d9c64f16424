import type { QueueFunctionDefinition } from '../shared/host/function-definition';
import { loadImplementation } from '../shared/host/load-implementation';

export const deliverNotification: QueueFunctionDefinition = {
  name: 'deliverNotification',
  kind: 'storageQueue',
  options: { queueName: '%NOTIFY_QUEUE_NAME%', connection: 'AzureWebJobsStorage' },
  handler: async (message, context) => {
    await (
      await loadImplementation(
        context,
        'shared/notify/handlers/notify-handlers',
        () => import('../shared/notify/handlers/notify-handlers'),
      )
    ).handleDeliveryMessage(message, context);
  },
};
