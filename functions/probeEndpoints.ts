import type { TimerFunctionDefinition } from '../shared/host/function-definition';
import { loadImplementation } from '../shared/host/load-implementation';

export const probeEndpoints: TimerFunctionDefinition = {
  name: 'probeEndpoints',
  kind: 'timer',
  options: { schedule: '%PROBE_SCHEDULE%' },
  handler: async (timer, context) => {
    await (
      await loadImplementation(
        context,
        'shared/probe/handlers/probe-handlers',
        () => import('../shared/probe/handlers/probe-handlers'),
      )
    ).runProbeTimer(timer, context);
  },
};
