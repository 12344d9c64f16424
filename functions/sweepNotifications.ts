import { getContainer } from '../shared/composition-root';
import type { TimerFunctionDefinition } from '../shared/host/function-definition';
import { handleSweepTimer } from '../shared/notify/use-cases/notification-runs';

/** Timer: publishes outbox rows their writers left behind, and pending-approval reminders. */
export const sweepNotifications: TimerFunctionDefinition = {
  name: 'sweepNotifications',
  kind: 'timer',
  options: { schedule: '%NOTIFY_SWEEP_SCHEDULE%' },
  handler: async (_timer, context) => {
    await handleSweepTimer(context, getContainer());
  },
};
