/*
 * The probe's one write path, used by the inline timer run and the queue-triggered probe alike:
 * raw rows, rollups and latest state are independent and written concurrently; the state-change
 * event follows the latest-state write (and is re-written when a replay finds its run caused one).
 * Every step is idempotent per run, so at-least-once delivery cannot double count.
 */
import type { Clock } from '../../clock';
import { redactUrlQuery } from '../../redact/url-query';
import type { TableSource } from '../../storage/table-source';
import type { Thresholds, Transition } from '../core/target-state';
import type { ProbeResult, ProbeTarget } from '../core/types';
import { noticeCertExpiry } from './cert-notices';
import { type ProbeOutboxSource, writeEvent } from './events';
import { updateLatest } from './latest';
import { writeRawResult } from './raw-results';
import { addToRollups, type RollupOutcome } from './rollups';

export type StoreTarget = Pick<ProbeTarget, 'id' | 'displayName' | 'url'> &
  Partial<Pick<ProbeTarget, 'expectedIp' | 'dependsOn' | 'certExpiryDays'>> &
  Thresholds;

export interface RecordOutcome {
  readonly transition: Transition | null;
  readonly rollup: RollupOutcome;
  /** False when the state machine had already seen this run (or a newer one). */
  readonly stateApplied: boolean;
}

export async function recordResult(
  container: TableSource & ProbeOutboxSource & { readonly clock: Clock },
  target: StoreTarget,
  result: ProbeResult,
): Promise<RecordOutcome> {
  const now = container.clock.now();
  const [raw, rollup, latest] = await Promise.allSettled([
    writeRawResult(container, result),
    addToRollups(container, result, now),
    updateLatest(container, target, result, now),
  ]);
  const where = {
    // Told to people and kept in the outbox and incident rows: query values may be secrets.
    url: redactUrlQuery(target.url.toString()),
    expectedIp: target.expectedIp,
    dependsOn: target.dependsOn,
  };
  if (latest.status === 'fulfilled') {
    const event = latest.value.transition ?? latest.value.replayedTransition;
    if (event !== null) await writeEvent(container, target.id, target.displayName, event, where);
  }
  // Once per certificate and threshold (claim-guarded), so a retried record tells nothing twice.
  const [certNotice] = await Promise.allSettled([noticeCertExpiry(container, target, result, where)]);
  // Every write was attempted before the first failure is reported, so one slow table cannot
  // stop the others; the caller retries the whole (idempotent) record.
  for (const settled of [raw, rollup, latest, certNotice])
    if (settled.status === 'rejected') throw settled.reason;
  return {
    transition: latest.status === 'fulfilled' ? latest.value.transition : null,
    rollup: rollup.status === 'fulfilled' ? rollup.value : 'counted',
    stateApplied: latest.status === 'fulfilled' && latest.value.applied,
  };
}
