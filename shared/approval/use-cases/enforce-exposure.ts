import type { ArmGateway } from '../../arm/arm-gateway';
import { consumerSubscriptionOf } from '../../arm/resource-id';
import { toAppError } from '../../errors';
import { type Log, logEvent } from '../../log';
import type { ExposurePlan } from '../core/exposure-audit';
import type { Policy } from '../core/policy/policy';
import type { ClaimStore } from '../storage/claim-store';
import type { ExposureStore, RecordedPlan } from '../storage/exposure-store';
import type { ReconcileDeps } from './approval-services';

/*
 * EXPOSURE_MODE=enforce: the PLS's `visibility` and `accessMode` are set to what the policy implies,
 * only as planned before. The path is the decision path's: a plan nobody could read first is not
 * written (a dry-run must have recorded the same plan), one writer per PLS (a claim), the intent
 * audited before ARM is touched, the PLS read again and checked (unchanged since the plan, nobody
 * connected or auto-approved left out), the PUT sent with that read's etag as If-Match (a change
 * since is refused by ARM, 412, and left for the next run), and the outcome audited.
 */

/** The claim row's name: `~` never occurs in a connection name, so it cannot meet a connection's claim. */
export const EXPOSURE_CLAIM = '~exposure';

export interface EnforceDeps {
  readonly arm: Pick<ArmGateway, 'getPrivateLinkService' | 'listPlsConnections'> &
    Partial<Pick<ArmGateway, 'setPlsExposure'>>;
  readonly claims: Pick<ClaimStore, 'release'> & Partial<Pick<ClaimStore, 'acquire' | 'complete'>>;
  readonly exposure: Pick<ExposureStore, 'hasDryRunPlan' | 'recordPlan'>;
  readonly clock: ReconcileDeps['clock'];
}

export type EnforceResult =
  | 'written'
  | 'no-dry-run'
  | 'claimed-elsewhere'
  | 'refused'
  | 'failed'
  | 'unsupported';

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = [...new Set(a.map((s) => s.toLowerCase()))].sort();
  const y = [...new Set(b.map((s) => s.toLowerCase()))].sort();
  return x.length === y.length && x.every((s, i) => s === y[i]);
}

export async function enforceExposure(
  deps: EnforceDeps,
  policy: Policy,
  plan: ExposurePlan,
  context: { readonly log: Log; readonly correlationId: string },
): Promise<EnforceResult> {
  const plsId = plan.plsId;
  const audit = (
    phase: 'intent' | 'outcome',
    extra: Pick<RecordedPlan, 'result' | 'detail'> = {},
  ): Promise<void> =>
    deps.exposure.recordPlan({
      plan,
      at: deps.clock.now(),
      mode: 'enforce',
      phase,
      policyVersion: policy.version,
      correlationId: context.correlationId,
      ...extra,
    });
  const log = (result: EnforceResult, detail?: string) =>
    logEvent(context.log, {
      ...(result === 'written' ? {} : { level: 'warn' as const }),
      event: 'approval.exposure_enforce',
      pls: plsId,
      result,
      ...(detail === undefined ? {} : { detail }),
    });

  // Dry-run first: only a plan already recorded by EXPOSURE_MODE=dry-run is ever written.
  if (!(await deps.exposure.hasDryRunPlan(plsId, plan.key))) {
    log('no-dry-run', 'run EXPOSURE_MODE=dry-run first: this plan was never recorded');
    return 'no-dry-run';
  }
  const write = deps.arm.setPlsExposure?.bind(deps.arm);
  if (deps.claims.acquire === undefined || write === undefined) return 'unsupported';
  const claim = await deps.claims.acquire({
    plsId,
    connectionName: EXPOSURE_CLAIM,
    decisionId: `exposure:${context.correlationId}`,
    actorKind: 'policy',
    basedOn: plan.key,
    target: 'exposure',
  });
  if (!claim.acquired) {
    log('claimed-elsewhere');
    return 'claimed-elsewhere';
  }
  await audit('intent');
  let result: EnforceResult;
  try {
    const [pls, connections] = await Promise.all([
      deps.arm.getPrivateLinkService(plsId),
      deps.arm.listPlsConnections(plsId),
    ]);
    const from = plan.visibility?.from ?? pls.visibilitySubscriptions;
    const to = plan.visibility?.to ?? pls.visibilitySubscriptions;
    // Nobody who is connected, or whom ARM approves at creation, is cut off: whatever the plan said,
    // the subscriptions seen now are checked against what would be written.
    const mustStay = [
      ...connections
        .filter((c) => c.status === 'Approved')
        .flatMap((c) => consumerSubscriptionOf(c.privateEndpointId) ?? []),
      ...pls.autoApprovalSubscriptions,
    ].map((s) => s.toLowerCase());
    const written = to.map((s) => s.toLowerCase());
    const cutOff = written.includes('*') ? [] : [...new Set(mustStay.filter((s) => !written.includes(s)))];
    const refusal =
      pls.etag === undefined
        ? 'ARM sent no etag for the PLS, so the write could not be made conditional'
        : cutOff.length > 0
          ? `the write would remove subscription(s) with an Approved connection or on autoApproval: ${cutOff.sort().join(', ')}`
          : !sameSet(pls.visibilitySubscriptions, from)
            ? 'visibility changed since the plan was made'
            : undefined;
    if (refusal !== undefined || pls.etag === undefined) {
      await audit('outcome', { result: 'refused', detail: refusal });
      log('refused', refusal);
      result = 'refused';
    } else {
      await write(plsId, { visibility: to, accessMode: 'Restricted', ifMatch: pls.etag });
      await audit('outcome', { result: 'succeeded' });
      log('written');
      result = 'written';
    }
  } catch (error) {
    // A 412 (the PLS changed since the read) or any other failure: nothing was written, the next run
    // reads the PLS again and, should the plan still hold, writes it then.
    const code = toAppError(error).code;
    await audit('outcome', { result: 'failed', detail: code }).catch(() => undefined);
    log('failed', code);
    result = 'failed';
  }
  if (result === 'written') await deps.claims.complete?.(claim.handle);
  else await deps.claims.release(claim.handle);
  return result;
}
