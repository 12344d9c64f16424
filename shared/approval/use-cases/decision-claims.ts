import { type Log, logEvent } from '../../log';
import { targetStatusOf } from '../core/transitions';
import type { AuditEntry } from '../storage/audit-store';
import type { ClaimHandle, ClaimResult } from '../storage/claim-store';
import type { DecisionDeps } from './approval-services';
import { failedOutcome, outcomeEntry, writeOutcomes } from './decision-audit';
import type { DecisionOutcome, Live } from './decision-request';

/*
 * The claim step: one decision per connection across instances and duplicate triggers. A claim
 * held by another decision stops this one before it writes an intent.
 */

/** Takes the claims of many decisions at once; returns those that got theirs. */
export async function claimAll(
  services: DecisionDeps,
  live: readonly Live[],
  outcomes: (DecisionOutcome | undefined)[],
  log: Log,
): Promise<Live[]> {
  if (live.length === 0) return [];
  let results: ClaimResult[];
  try {
    results = await services.claims.acquireMany(
      live.map((item) => ({
        plsId: item.request.capture.connection.plsId,
        connectionName: item.request.capture.connection.name,
        decisionId: item.intent.decisionId,
        actorKind: item.request.actor.kind,
        basedOn: item.request.capture.status,
        basedOnEtag: item.request.capture.connection.etag,
        target: targetStatusOf(item.request.action),
      })),
    );
  } catch (error) {
    for (const item of live) {
      outcomes[item.index] = failedOutcome(
        undefined,
        error,
        item.request,
        log,
        'claim could not be taken; nothing written to ARM',
      );
    }
    return [];
  }
  const claimed: Live[] = [];
  const contested: AuditEntry[] = [];
  live.forEach((item, i) => {
    const result = results[i];
    if (result === undefined) return;
    if (result.acquired) {
      item.handle = result.handle;
      claimed.push(item);
      return;
    }
    outcomes[item.index] = { kind: 'claimed', reason: result.reason, holderTarget: result.holder.target };
    // Duplicates of the policy's own decision stay silent (a storm must not flood the audit); a
    // contest between a person and the policy, or between people, is recorded for both sides.
    if (item.request.actor.kind === 'person' || result.holder.actorKind !== item.request.actor.kind) {
      contested.push(
        outcomeEntry(services, item.intent, 'skipped', {
          detail:
            result.reason === 'held'
              ? `another decision (${result.holder.actorKind}, to ${result.holder.target}) is being written`
              : `another decision (${result.holder.actorKind}) already set it to ${result.holder.target}`,
        }),
      );
    }
  });
  await writeOutcomes(services, contested, log);
  return claimed;
}

export async function releaseAll(
  services: DecisionDeps,
  handles: readonly ClaimHandle[],
  log: Log,
): Promise<void> {
  await Promise.all(
    handles.map(async (handle) => {
      try {
        await services.claims.release(handle);
      } catch {
        logEvent(log, { event: 'approval.claim_release_failed', connection: handle.request.connectionName });
      }
    }),
  );
}
