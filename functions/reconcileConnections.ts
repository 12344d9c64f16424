import { reconcileConfigured } from '../shared/approval/use-cases/reconcile-all';
import { recordTimerRun } from '../shared/approval/use-cases/record-reconcile-outcome';
import { getContainer } from '../shared/composition-root';
import type { TimerFunctionDefinition } from '../shared/host/function-definition';
import { notifyReconcileFailures } from '../shared/notify/storage/store-hooks';

/** Timer: every configured PLS against the policy, within the time budget; the rest continues on the queue. */
export const reconcileConnections: TimerFunctionDefinition = {
  name: 'reconcileConnections',
  kind: 'timer',
  // On startup too: a fresh instance catches up at once instead of up to one period later. Safe to
  // repeat (claims make overlapping runs write each connection once; a settled PLS costs one list).
  options: { schedule: '%RECONCILE_SCHEDULE%', runOnStartup: true },
  handler: async (_timer, context) => {
    const container = getContainer();
    const services = await container.approvalServices();
    const runContext = { correlationId: context.invocationId, log: context };
    // The outcome (ok, PLS failed, policy invalid, no ARM token) is kept for health and the dashboard.
    const summary = await recordTimerRun(services, runContext, () =>
      reconcileConfigured(services, () => container.approvalPolicy(), runContext),
    );
    await notifyReconcileFailures(container, summary?.failedPrivateLinkServices ?? []);
  },
};
