import { getContainer } from '../shared/composition-root';
import type { QueueFunctionDefinition } from '../shared/host/function-definition';
import { handleDeliveryMessage } from '../shared/notify/use-cases/notification-runs';

/** Storage queue: one notification to deliver to the configured webhooks. */
export const deliverNotification: QueueFunctionDefinition = {
  name: 'deliverNotification',
  kind: 'storageQueue',
  options: { queueName: '%NOTIFY_QUEUE_NAME%', connection: 'AzureWebJobsStorage' },
  handler: async (message, context) => {
    await handleDeliveryMessage(message, context, getContainer());
  },
};
