/*
 * Which managed services refuse our connection writes for lack of a role. A discovered service is
 * read with the discovery role alone (infra/provider: discovery reader); deciding its connections
 * needs the operator role there, which infra grants only on request (allowDiscoveredWrites). Without
 * it ARM answers every connection PUT 403 `AuthorizationFailed`: each decision then fails with its
 * own outcome row, and this keeps one row per such PLS so health names it and the role to assign
 * instead of leaving only failed rows behind. A write that succeeds there removes the row.
 */
import { isAppError } from '../../errors';
import { type Log, logEvent } from '../../log';
import type { WriteRefusalStore } from '../storage/write-refusal-store';
import type { Live } from './decision-request';
import type { WriteResult } from './guarded-write';

/** ARM's code for an action no role assignment of the caller grants at that scope (Azure/azure-cli#30789). */
export const ROLE_MISSING_CODE = 'AuthorizationFailed';

export interface WriteAccessDeps {
  /** Absent in narrow test wiring: nothing is kept. */
  readonly writeRefusals?: Pick<WriteRefusalStore, 'refused' | 'cleared'>;
  readonly clock: { now(): Date };
}

/** After a batch of writes: per PLS, a refusal when ARM refused for a missing role, cleared when a write went through. */
export async function noteWriteAccess(
  deps: WriteAccessDeps,
  written: readonly Live[],
  results: readonly (WriteResult | undefined)[],
  log: Log,
): Promise<void> {
  const store = deps.writeRefusals;
  if (store === undefined) return;
  const byPls = new Map<string, { plsId: string; refused: boolean }>();
  written.forEach((item, i) => {
    const result = results[i];
    const plsId = item.request.capture.connection.plsId;
    if (result?.kind === 'applied') byPls.set(plsId.toLowerCase(), { plsId, refused: false });
    else if (
      result?.kind === 'failed' &&
      isAppError(result.error) &&
      result.error.upstreamCode === ROLE_MISSING_CODE &&
      !byPls.has(plsId.toLowerCase())
    )
      byPls.set(plsId.toLowerCase(), { plsId, refused: true });
  });
  const at = deps.clock.now();
  await Promise.all(
    [...byPls.values()].map(async ({ plsId, refused }) => {
      try {
        if (refused) {
          await store.refused({ plsId, at, upstreamCode: ROLE_MISSING_CODE });
          logEvent(log, {
            level: 'warn',
            event: 'approval.write_refused',
            plsId,
            upstreamCode: ROLE_MISSING_CODE,
          });
        } else await store.cleared(plsId);
      } catch (error) {
        // Health loses the line; the decisions' own outcome rows are written already.
        logEvent(log, {
          level: 'warn',
          event: 'approval.write_refusal_unrecorded',
          plsId,
          code: isAppError(error) ? error.code : 'internal',
        });
      }
    }),
  );
}
