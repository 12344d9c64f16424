import type { TimerFunctionDefinition } from '../shared/host/function-definition';

export const reconcileConnections: TimerFunctionDefinition = {
  name: 'reconcileConnections',
  kind: 'timer',
  // On startup too: a fresh instance catches up at once instead of up to one period later. Safe to
  // repeat (claims make overlapping runs write each connection once; a settled PLS costs one list).
  options: { schedule: '%RECONCILE_SCHEDULE%', runOnStartup: true },
  handler: async (timer, context) =>
    (await import('../shared/approval/handlers/reconcile-timer')).runReconcileTimer(timer, context),
};
