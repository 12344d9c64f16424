import { getContainer } from '../shared/composition-root';
import type { TimerFunctionDefinition } from '../shared/host/function-definition';
import { probeTick } from '../shared/probe/use-cases/run-probes';

/** Timer: probe every target (inline, or one queue message per target above PROBE_QUEUE_THRESHOLD). */
export const probeEndpoints: TimerFunctionDefinition = {
  name: 'probeEndpoints',
  kind: 'timer',
  options: { schedule: '%PROBE_SCHEDULE%' },
  handler: async (timer, context) => {
    await probeTick(timer, context, { container: getContainer() });
  },
};
