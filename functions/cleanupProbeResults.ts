import { getContainer } from '../shared/composition-root';
import type { TimerFunctionDefinition } from '../shared/host/function-definition';
import { runProbeCleanup } from '../shared/probe/use-cases/cleanup';

/** Timer: drops probe tables and rows past their retention. */
export const cleanupProbeResults: TimerFunctionDefinition = {
  name: 'cleanupProbeResults',
  kind: 'timer',
  options: { schedule: '%PROBE_CLEANUP_SCHEDULE%' },
  handler: async (timer, context) => {
    await runProbeCleanup(timer, context, getContainer());
  },
};
