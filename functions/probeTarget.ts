import { getContainer } from '../shared/composition-root';
import type { QueueFunctionDefinition } from '../shared/host/function-definition';
import { probeQueuedTarget } from '../shared/probe/use-cases/run-probes';

/** Storage queue: one probe target of a run fanned out by probeEndpoints. */
export const probeTarget: QueueFunctionDefinition = {
  name: 'probeTarget',
  kind: 'storageQueue',
  options: { queueName: '%PROBE_QUEUE_NAME%', connection: 'AzureWebJobsStorage' },
  handler: async (message, context) => {
    await probeQueuedTarget(message, context, { container: getContainer() });
  },
};
