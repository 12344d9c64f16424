import type { InvocationContext, Timer } from '@azure/functions';
import { getContainer } from '../composition-root';
import { isAppError } from '../errors';
import { notifyReconcileFailures } from '../notify/store-hooks';
import type { Log } from './approval-services';
import { reconcileAll } from './reconcile-all';

/** The `reconcileConnections` timer: every configured PLS against the policy, one summary line. */
export async function runReconcileTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const container = getContainer();
  const log: Log = (entry) => context.log(JSON.stringify(entry));
  const { plsResourceIds, reconcileConcurrency, mode } = container.config.approval;
  if (plsResourceIds.length === 0) {
    log({ event: 'approval.reconcile.skipped', reason: 'PLS_RESOURCE_IDS is empty' });
    return;
  }
  let policy: Awaited<ReturnType<typeof container.approvalPolicy>>;
  try {
    policy = await container.approvalPolicy();
  } catch (error) {
    // A bad policy decides nothing; the failed invocation makes it visible in monitoring.
    if (isAppError(error))
      context.error(
        JSON.stringify({ event: 'approval.policy_invalid', detail: error.message, issues: error.issues }),
      );
    throw error;
  }
  const services = await container.approvalServices();
  const summary = await reconcileAll(services, policy, plsResourceIds, reconcileConcurrency, {
    trigger: 'timer',
    correlationId: context.invocationId,
    log,
  });
  await notifyReconcileFailures(container, summary.failedPrivateLinkServices);
  const line = JSON.stringify({
    event: 'approval.reconcile.summary',
    mode,
    policyVersion: policy.version,
    ...summary,
  });
  if (summary.failedPrivateLinkServices.length > 0) context.warn(line);
  else context.log(line);
}
