import type { TimerFunctionDefinition } from '../shared/host/function-definition';

export const cleanupProbeResults: TimerFunctionDefinition = {
  name: 'cleanupProbeResults',
  kind: 'timer',
  options: { schedule: '%PROBE_CLEANUP_SCHEDULE%' },
  handler: async (timer, context) => {
    await (await import('../shared/probe/handlers/probe-handlers')).cleanupProbeTables(timer, context);
  },
};
