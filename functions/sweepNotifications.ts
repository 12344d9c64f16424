import type { TimerFunctionDefinition } from '../shared/host/function-definition';
import { loadImplementation } from '../shared/host/load-implementation';

export const sweepNotifications: TimerFunctionDefinition = {
  name: 'sweepNotifications',
  kind: 'timer',
  options: { schedule: '%NOTIFY_SWEEP_SCHEDULE%' },
  handler: async (_timer, context) => {
    await (
      await loadImplementation(
        context,
        'shared/notify/handlers/notify-handlers',
        () => import('../shared/notify/handlers/notify-handlers'),
      )
    ).handleSweepTimer(context);
  },
};
