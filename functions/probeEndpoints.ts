import type { TimerFunctionDefinition } from '../shared/host/function-definition';

export const probeEndpoints: TimerFunctionDefinition = {
  name: 'probeEndpoints',
  kind: 'timer',
  options: { schedule: '%PROBE_SCHEDULE%' },
  handler: async (timer, context) => {
    await (await import('../shared/probe/handlers/probe-handlers')).runProbeTimer(timer, context);
  },
};
