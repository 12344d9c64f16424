import * as queuedPls from '../shared/approval/use-cases/reconcile-queued-pls';
import { getContainer } from '../shared/composition-root';
import type { QueueFunctionDefinition } from '../shared/host/function-definition';

/** Storage queue: one PLS to reconcile (an event's hint, or the continuation of a run that ran out of time). */
export const reconcileQueuedPls: QueueFunctionDefinition = {
  name: 'reconcileQueuedPls',
  kind: 'storageQueue',
  options: { queueName: '%RECONCILE_QUEUE_NAME%', connection: 'AzureWebJobsStorage' },
  handler: async (message, context) => {
    const container = getContainer();
    const services = await container.approvalServices();
    // A transient failure is thrown (after its outcome is kept for health): the host makes the
    // message visible again and retries it.
    await queuedPls.reconcileQueuedPls(services, () => container.approvalPolicy(), message, {
      correlationId: context.invocationId,
      log: context,
    });
  },
};
