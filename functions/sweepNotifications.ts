import type { TimerFunctionDefinition } from '../shared/host/function-definition';

export const sweepNotifications: TimerFunctionDefinition = {
  name: 'sweepNotifications',
  kind: 'timer',
  options: { schedule: '%NOTIFY_SWEEP_SCHEDULE%' },
  handler: async (_timer, context) => {
    await (await import('../shared/notify/handlers/notify-handlers')).handleSweepTimer(context);
  },
};
