import type { TimerFunctionDefinition } from '../shared/host/function-definition';
import { loadImplementation } from '../shared/host/load-implementation';

export const cleanupProbeResults: TimerFunctionDefinition = {
  name: 'cleanupProbeResults',
  kind: 'timer',
  options: { schedule: '%PROBE_CLEANUP_SCHEDULE%' },
  handler: async (timer, context) => {
    await (
      await loadImplementation(
        context,
        'shared/probe/handlers/probe-handlers',
        () => import('../shared/probe/handlers/probe-handlers'),
      )
    ).cleanupProbeTables(timer, context);
  },
};
