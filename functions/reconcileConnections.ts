import type { TimerFunctionDefinition } from '../shared/host/function-definition';
import { loadImplementation } from '../shared/host/load-implementation';

/** Timer: every configured PLS against the policy, within the time budget; the rest continues on the queue. */
export const reconcileConnections: TimerFunctionDefinition = {
  name: 'reconcileConnections',
  kind: 'timer',
  // On startup too: a fresh instance catches up at once instead of up to one period later. Safe to
  // repeat (claims make overlapping runs write each connection once; a settled PLS costs one list).
  options: { schedule: '%RECONCILE_SCHEDULE%', runOnStartup: true },
  handler: async (_timer, context) => {
    const [
      { getContainer },
      { reconcileConfigured },
      { recordTimerRun },
      { invocationLog },
      { notifyReconcileFailures },
    ] = await Promise.all([
      loadImplementation(context, 'shared/composition-root', () => import('../shared/composition-root')),
      loadImplementation(
        context,
        'shared/approval/use-cases/reconcile-all',
        () => import('../shared/approval/use-cases/reconcile-all'),
      ),
      loadImplementation(
        context,
        'shared/approval/use-cases/record-reconcile-outcome',
        () => import('../shared/approval/use-cases/record-reconcile-outcome'),
      ),
      loadImplementation(
        context,
        'shared/approval/handlers/invocation-log',
        () => import('../shared/approval/handlers/invocation-log'),
      ),
      loadImplementation(
        context,
        'shared/notify/storage/store-hooks',
        () => import('../shared/notify/storage/store-hooks'),
      ),
    ]);
    const container = getContainer();
    const services = await container.approvalServices();
    const runContext = { correlationId: context.invocationId, log: invocationLog(context) };
    // The outcome (ok, PLS failed, policy invalid, no ARM token) is kept for health and the dashboard.
    const summary = await recordTimerRun(services, runContext, () =>
      reconcileConfigured(services, () => container.approvalPolicy(), runContext),
    );
    await notifyReconcileFailures(container, summary?.failedPrivateLinkServices ?? []);
  },
};
