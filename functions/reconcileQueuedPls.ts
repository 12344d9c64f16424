import type { QueueFunctionDefinition } from '../shared/host/function-definition';
import { loadImplementation } from '../shared/host/load-implementation';

/** Storage queue: one PLS to reconcile (an event's hint, or the continuation of a run that ran out of time). */
export const reconcileQueuedPls: QueueFunctionDefinition = {
  name: 'reconcileQueuedPls',
  kind: 'storageQueue',
  options: { queueName: '%RECONCILE_QUEUE_NAME%', connection: 'AzureWebJobsStorage' },
  handler: async (message, context) => {
    const [{ getContainer }, { reconcileQueuedPls: run }, { recordQueueRun }, { invocationLog }] =
      await Promise.all([
        loadImplementation(context, 'shared/composition-root', () => import('../shared/composition-root')),
        loadImplementation(
          context,
          'shared/approval/use-cases/reconcile-queued-pls',
          () => import('../shared/approval/use-cases/reconcile-queued-pls'),
        ),
        loadImplementation(
          context,
          'shared/approval/use-cases/record-reconcile-outcome',
          () => import('../shared/approval/use-cases/record-reconcile-outcome'),
        ),
        loadImplementation(
          context,
          'shared/approval/handlers/invocation-log',
          () => import('../shared/approval/handlers/invocation-log'),
        ),
      ]);
    const container = getContainer();
    const services = await container.approvalServices();
    const runContext = { correlationId: context.invocationId, log: invocationLog(context) };
    // A transient failure is thrown (after its outcome is kept for health): the host makes the
    // message visible again and retries it.
    await recordQueueRun(services, runContext, message, () =>
      run(services, () => container.approvalPolicy(), message, runContext),
    );
  },
};
