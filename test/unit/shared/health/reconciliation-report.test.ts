import { describe, expect, it } from 'vitest';
import {
  outcomeOfFailure,
  outcomeOfRun,
  type ReconcileOutcome,
} from '../../../../shared/approval/core/reconcile-outcome';
import type { LatestBySource } from '../../../../shared/approval/storage/reconcile-outcome-store';
import { assessReconciliation, MISSED_PERIODS } from '../../../../shared/health/reconciliation-report';

const PERIOD = 5 * 60_000;
const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 10, minute));
const pls = (n: number) =>
  `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateLinkServices/pls-${n}`;

function run(source: 'timer' | 'queue', minute: number, failed: { plsId: string; code: string }[] = []) {
  return outcomeOfRun(
    { source, correlationId: `${source}-${minute}`, startedAt: at(minute), finishedAt: at(minute) },
    { privateLinkServices: 8, connections: 40, unfinished: 0, failedPrivateLinkServices: failed },
  );
}

function latest(outcomes: { timer?: ReconcileOutcome[]; queue?: ReconcileOutcome[] }): LatestBySource {
  const of = (list: ReconcileOutcome[] = []) => ({
    last: list.at(-1),
    lastOk: list.filter((o) => o.result === 'ok').at(-1),
  });
  return { timer: of(outcomes.timer), queue: of(outcomes.queue) };
}

describe('reconcile outcomes', () => {
  it('names a missing ARM token as such, even when other PLS failed first', () => {
    const outcome = run('timer', 0, [
      { plsId: pls(1), code: 'arm_unavailable' },
      { plsId: pls(2), code: 'arm_credential_unavailable' },
    ]);
    expect(outcome).toMatchObject({
      result: 'arm_credential_unavailable',
      code: 'arm_credential_unavailable',
      failed: 2,
    });
    expect(run('timer', 0, [{ plsId: pls(1), code: 'arm_throttled' }]).result).toBe('pls_failed');
    expect(run('timer', 0).result).toBe('ok');
  });

  it('keeps the first five failed PLS by name and counts them all', () => {
    const failed = Array.from({ length: 7 }, (_, i) => ({ plsId: pls(i), code: 'arm_unavailable' }));
    const outcome = run('timer', 0, failed);
    // The stored row stays small however many PLS fail.
    expect(outcome.failures).toHaveLength(5);
    const report = assessReconciliation(latest({ timer: [outcome] }), at(1), PERIOD);
    expect(report.problem?.issues).toHaveLength(5);
    expect(report.problem?.issueCount).toBe(7);
  });

  it('a thrown policy error is policy_invalid for every configured PLS, blaming none of them', () => {
    const outcome = outcomeOfFailure(
      { source: 'timer', correlationId: 'x', startedAt: at(0), finishedAt: at(0) },
      'policy_invalid',
      3,
      [],
    );
    expect(outcome).toMatchObject({ result: 'policy_invalid', failed: 3, failures: [] });
  });
});

describe('assessReconciliation', () => {
  it('no run recorded yet is no problem (a fresh app has not reconciled)', () => {
    expect(assessReconciliation(latest({}), at(0), PERIOD)).toEqual({
      lastTimerRun: null,
      lastQueueRun: null,
      lastSuccessAt: null,
    });
  });

  it('a queue failure older than the last good timer run is covered by that run', () => {
    const failedItem = outcomeOfFailure(
      { source: 'queue', correlationId: 'q', startedAt: at(1), finishedAt: at(1) },
      'arm_unavailable',
      1,
      [pls(1)],
    );
    expect(
      assessReconciliation(latest({ timer: [run('timer', 0)], queue: [failedItem] }), at(2), PERIOD).problem,
    ).toBeDefined();
    expect(
      assessReconciliation(
        latest({ timer: [run('timer', 0), run('timer', 5)], queue: [failedItem] }),
        at(6),
        PERIOD,
      ).problem,
    ).toBeUndefined();
  });

  it('calls the runs missed only after MISSED_PERIODS periods without a good one', () => {
    const ok = latest({ timer: [run('timer', 0)] });
    expect(assessReconciliation(ok, at(MISSED_PERIODS * 5), PERIOD).problem).toBeUndefined();
    expect(assessReconciliation(ok, at(MISSED_PERIODS * 5 + 1), PERIOD).problem?.message).toContain(
      'every 5 min',
    );
  });
});
