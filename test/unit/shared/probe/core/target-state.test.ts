import { describe, expect, it } from 'vitest';
import {
  applyResult,
  INITIAL_STATE,
  RECENT_LIMIT,
  type TargetStateRecord,
} from '../../../../../shared/probe/core/target-state';
import type { ResultStatus } from '../../../../../shared/probe/core/types';
import { probeResult } from '../../../../helpers/probe-results';

const T0 = Date.parse('2026-11-03T10:00:00Z');
const thresholds = { failureThreshold: 3, successThreshold: 2 };

/** Feeds one result per minute and returns the states after each, plus every transition. */
function feed(
  statuses: readonly (ResultStatus | 'MAINT')[],
  start: TargetStateRecord = INITIAL_STATE,
  th = thresholds,
) {
  let record = start;
  const states: string[] = [];
  const transitions: { from: string; to: string; evidence: number }[] = [];
  statuses.forEach((s, i) => {
    const result = probeResult({
      scheduledAt: new Date(T0 + i * 60_000),
      status: s === 'MAINT' ? 'DOWN' : s,
      inMaintenance: s === 'MAINT',
    });
    const step = applyResult(record, result, th);
    record = step.record;
    states.push(record.state);
    if (step.transition)
      transitions.push({
        from: step.transition.from,
        to: step.transition.to,
        evidence: step.transition.evidence.length,
      });
  });
  return { record, states, transitions };
}

describe('target state machine', () => {
  it('takes the first judged result from UNKNOWN at once', () => {
    expect(feed(['UP']).states).toEqual(['UP']);
    expect(feed(['DOWN']).transitions).toEqual([{ from: 'UNKNOWN', to: 'DOWN', evidence: 1 }]);
  });

  it('turns DOWN only after failureThreshold consecutive failures, with them as evidence', () => {
    const { states, transitions } = feed(['UP', 'DOWN', 'DOWN', 'DOWN', 'DOWN']);
    expect(states).toEqual(['UP', 'UP', 'UP', 'DOWN', 'DOWN']);
    expect(transitions).toEqual([
      { from: 'UNKNOWN', to: 'UP', evidence: 1 },
      { from: 'UP', to: 'DOWN', evidence: 3 },
    ]);
  });

  it('recovers only after successThreshold consecutive successes, landing on the latest status', () => {
    const { states } = feed(['DOWN', 'UP', 'DOWN', 'UP', 'DEGRADED']);
    expect(states).toEqual(['DOWN', 'DOWN', 'DOWN', 'DOWN', 'DEGRADED']);
  });

  it('damps flapping: alternating results never change a known state', () => {
    const { transitions } = feed(['UP', 'DOWN', 'UP', 'DOWN', 'UP', 'DOWN', 'DOWN', 'UP']);
    expect(transitions).toEqual([{ from: 'UNKNOWN', to: 'UP', evidence: 1 }]);
  });

  it('moves UP → DEGRADED after failureThreshold slow runs and back after successThreshold fast ones', () => {
    const { states } = feed(['UP', 'DEGRADED', 'DEGRADED', 'DEGRADED', 'UP', 'UP']);
    expect(states).toEqual(['UP', 'UP', 'UP', 'DEGRADED', 'DEGRADED', 'UP']);
  });

  it('with thresholds of 1 follows every result', () => {
    const { states } = feed(['UP', 'DOWN', 'UP', 'DEGRADED'], INITIAL_STATE, {
      failureThreshold: 1,
      successThreshold: 1,
    });
    expect(states).toEqual(['UP', 'DOWN', 'UP', 'DEGRADED']);
  });

  it('ignores maintenance results: no counting, no transition, streaks survive them', () => {
    const { states, record } = feed(['UP', 'DOWN', 'MAINT', 'MAINT', 'DOWN', 'DOWN']);
    expect(states).toEqual(['UP', 'UP', 'UP', 'UP', 'UP', 'DOWN']);
    expect(record.recent.every((r) => r.status === 'DOWN' || r.status === 'UP')).toBe(true);
    expect(record.recent).toHaveLength(4);
  });

  it('applies a run once: a replay or an older result changes nothing', () => {
    const first = probeResult({ scheduledAt: new Date(T0), status: 'DOWN' });
    const step = applyResult(INITIAL_STATE, first, thresholds);
    expect(applyResult(step.record, first, thresholds)).toMatchObject({ applied: false, transition: null });
    const older = probeResult({ scheduledAt: new Date(T0 - 60_000), status: 'UP' });
    expect(applyResult(step.record, older, thresholds).record).toBe(step.record);
  });

  it('keeps at most RECENT_LIMIT summaries and explains the transition with class and connection state', () => {
    let record = INITIAL_STATE;
    let last = null;
    for (let i = 0; i < 15; i++) {
      const step = applyResult(
        record,
        probeResult({
          scheduledAt: new Date(T0 + i * 60_000),
          status: i < 12 ? 'UP' : 'DOWN',
          connectionState: i < 12 ? null : 'Rejected',
        }),
        thresholds,
      );
      record = step.record;
      last = step.transition ?? last;
    }
    expect(record.recent).toHaveLength(RECENT_LIMIT);
    expect(last?.to).toBe('DOWN');
    expect(last?.reason).toContain('TCP_REFUSED');
    expect(last?.reason).toContain('Rejected');
    expect(last?.connectionState).toBe('Rejected');
    expect(record.since).toBe(last?.at);
  });

  describe('a DOWN the PLS connection explains', () => {
    /** `P`/`R`: a failure labelled Pending/Rejected (connection not Approved); others as in feed. */
    function feedLabelled(items: readonly ('UP' | 'DOWN' | 'P' | 'R')[], start = INITIAL_STATE) {
      let record = start;
      const transitions: { from: string; to: string; awaited: string | null; connection: string | null }[] =
        [];
      const awaiting: (string | null)[] = [];
      items.forEach((item, i) => {
        const labelled = item === 'P' || item === 'R';
        const step = applyResult(
          record,
          probeResult({
            scheduledAt: new Date(T0 + i * 60_000),
            status: labelled ? 'DOWN' : item,
            connectionState: item === 'P' ? 'Pending' : item === 'R' ? 'Rejected' : null,
          }),
          thresholds,
        );
        record = step.record;
        awaiting.push(record.awaitingConnection);
        if (step.transition)
          transitions.push({
            from: step.transition.from,
            to: step.transition.to,
            awaited: step.transition.awaitedConnection,
            connection: step.transition.connectionState,
          });
      });
      return { record, transitions, awaiting };
    }

    it('is kept as awaitingConnection (the latest state seen) and handed on when leaving DOWN', () => {
      const { transitions, awaiting } = feedLabelled(['P', 'P', 'R', 'UP', 'UP']);
      expect(awaiting).toEqual(['Pending', 'Pending', 'Rejected', 'Rejected', null]);
      expect(transitions).toEqual([
        { from: 'UNKNOWN', to: 'DOWN', awaited: null, connection: 'Pending' },
        { from: 'DOWN', to: 'UP', awaited: 'Rejected', connection: null },
      ]);
    });

    it('approved but still failing: failureThreshold failures counted afresh make DOWN → DOWN', () => {
      const { transitions, record } = feedLabelled(['P', 'P', 'P', 'P', 'DOWN', 'DOWN', 'DOWN', 'DOWN']);
      expect(transitions).toEqual([
        { from: 'UNKNOWN', to: 'DOWN', awaited: null, connection: 'Pending' },
        { from: 'DOWN', to: 'DOWN', awaited: 'Pending', connection: null },
      ]);
      expect(record.awaitingConnection).toBeNull();
      expect(record.consecutiveFailures).toBe(4);
      // Two unexplained failures then the connection explains one again: the count starts over.
      const again = feedLabelled(['P', 'DOWN', 'DOWN', 'P', 'DOWN', 'DOWN']);
      expect(again.transitions.map((t) => `${t.from}>${t.to}`)).toEqual(['UNKNOWN>DOWN']);
      expect(again.record.awaitingConnection).toBe('Pending');
    });

    it("a service DOWN stays the service's when the connection is rejected during it", () => {
      const { transitions, record } = feedLabelled(['UP', 'DOWN', 'DOWN', 'DOWN', 'R', 'R']);
      expect(transitions.map((t) => `${t.from}>${t.to}`)).toEqual(['UNKNOWN>UP', 'UP>DOWN']);
      expect(record.awaitingConnection).toBeNull();
    });

    it('a rejection of a working endpoint turns it DOWN awaiting the connection', () => {
      const { transitions, record } = feedLabelled(['UP', 'R', 'R', 'R']);
      expect(transitions.at(-1)).toEqual({ from: 'UP', to: 'DOWN', awaited: null, connection: 'Rejected' });
      expect(record.awaitingConnection).toBe('Rejected');
    });
  });
});
